import { bigint, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
  (t) => [index('security_events_tenant_created_idx').on(t.tenantId, t.createdAt, t.id), tenantIsolation('security_events')],
).enableRLS();

/**
 * Who did what to which record. Each tenant's rows form a hash chain: the
 * BEFORE INSERT trigger `audit_logs_chain` (drizzle/0010_audit_chain_functions.sql)
 * sets seq, content_hash, prev_hash and hash, so callers never supply them
 * (the defaults below are placeholders the trigger always overwrites).
 * crm_app may only INSERT and SELECT here; redaction and pruning go through
 * SECURITY DEFINER functions (README, Compliance).
 */
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
    seq: bigint('seq', { mode: 'number' }).notNull().default(0),
    contentHash: text('content_hash').notNull().default(''),
    prevHash: text('prev_hash').notNull().default(''),
    hash: text('hash').notNull().default(''),
  },
  (t) => [
    index('audit_logs_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    uniqueIndex('audit_logs_tenant_seq_key').on(t.tenantId, t.seq),
    tenantIsolation('audit_logs'),
  ],
).enableRLS();

/** The latest link of each tenant's audit chain; written only by the audit_logs_chain trigger. */
export const auditChainHeads = pgTable(
  'audit_chain_heads',
  {
    tenantId: tenantId().primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  () => [tenantIsolation('audit_chain_heads')],
).enableRLS();
