export * from './api-keys.ts';
export * from './billing.ts';
export * from './crm.ts';
export * from './events.ts';
export * from './password-resets.ts';
export * from './tenants.ts';
export * from './users.ts';
export * from './webhooks.ts';
