import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { at, id, tenantId, tenantIsolation } from './columns.ts';

export const securityEventTypes = ['tenant_mismatch', 'refresh_token_reuse', 'login_rate_limited'] as const;

/** Security-relevant events a tenant's admins can list (GET /api/security-events). */
export const securityEvents = pgTable(
  'security_events',
  {
    id: id(),
    tenantId: tenantId(),
    type: text('type', { enum: securityEventTypes }).notNull(),
    requestId: text('request_id'),
    userId: uuid('user_id'),
    credentialTenantId: uuid('credential_tenant_id'),
    requestedTenant: text('requested_tenant'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('security_events_tenant_created_idx').on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    tenantIsolation('security_events'),
  ],
).enableRLS();

/** Who did what to which record; the compliance issue adds the hash chain. */
export const auditLogs = pgTable(
  'audit_logs',
  {
    id: id(),
    tenantId: tenantId(),
    actorType: text('actor_type', { enum: ['user', 'api_key', 'platform', 'system'] }).notNull(),
    actorId: uuid('actor_id'),
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    changes: jsonb('changes').$type<Record<string, unknown>>(),
    requestId: text('request_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('audit_logs_tenant_created_idx').on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    tenantIsolation('audit_logs'),
  ],
).enableRLS();
