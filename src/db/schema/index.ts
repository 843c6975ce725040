export * from './tenants.ts';
export * from './users.ts';
export * from './events.ts';
export * from './crm.ts';
export * from './billing.ts';
export * from './api-keys.ts';
export * from './webhooks.ts';
export * from './password-resets.ts';
