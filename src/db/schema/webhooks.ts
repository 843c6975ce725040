import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgPolicy, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { at, currentTenantSql, id, tenantId, tenantIsolation, timestamps } from './columns.ts';
import { users } from './users.ts';

/** The role the delivery worker claims due deliveries as (drizzle/0008): it sees webhook_deliveries across tenants, nothing else. */
export const WEBHOOK_WORKER_ROLE = 'crm_webhook_worker';

/** Outbound webhook subscriptions (SPEC section 11). */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id(),
    tenantId: tenantId(),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types (`lead.created`, ...) or `*` for every event. */
    eventTypes: text('event_types').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** The `whsec_` signing secret, AES-GCM encrypted (src/lib/webhook-signing.ts): it must be readable to sign. */
    secretEncrypted: text('secret_encrypted').notNull(),
    /** Attempts failed in a row since the last success, and since when: auto-disable reads both. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    failingSince: at('failing_since'),
    lastSuccessAt: at('last_success_at'),
    disabledAt: at('disabled_at'),
    disabledReason: text('disabled_reason'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps(),
  },
  (t) => [index('webhook_endpoints_tenant_created_idx').on(t.tenantId, t.createdAt, t.id), tenantIsolation('webhook_endpoints')],
).enableRLS();

/** The outbox: one row per event, written in the transaction of the change; id is the Standard Webhooks `webhook-id`. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    type: text('type').notNull(),
    /** The exact body sent: `{ type, timestamp, data }`. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [index('webhook_events_tenant_created_idx').on(t.tenantId, t.createdAt), tenantIsolation('webhook_events')],
).enableRLS();

export const deliveryStatuses = ['pending', 'delivering', 'succeeded', 'failed', 'dead'] as const;

export interface DeliveryAttempt {
  at: string;
  attempt: number;
  statusCode: number | null;
  latencyMs: number | null;
  error: string | null;
}

/**
 * One event to one endpoint. `next_attempt_at` is both the retry time and,
 * while `delivering`, the claim's lease: a claim whose process died becomes
 * due again when the lease runs out.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    tenantId: tenantId(),
    eventId: text('event_id')
      .notNull()
      .references(() => webhookEvents.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    status: text('status', { enum: deliveryStatuses }).notNull().default('pending'),
    /** Attempts started (counted at claim time, so a crash mid-attempt still counts). */
    attempt: integer('attempt').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    lastStatusCode: integer('last_status_code'),
    lastLatencyMs: integer('last_latency_ms'),
    lastError: text('last_error'),
    /** Every attempt's outcome, oldest first (the delivery log). */
    attempts: jsonb('attempts').$type<DeliveryAttempt[]>().notNull().default([]),
    deliveredAt: at('delivered_at'),
    ...timestamps(),
  },
  (t) => [
    // The worker's claim: due rows across tenants, oldest first.
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'failed', 'delivering')`),
    index('webhook_deliveries_endpoint_created_idx').on(t.tenantId, t.endpointId, t.createdAt, t.id),
    index('webhook_deliveries_event_idx').on(t.eventId),
    // The tenant policy, plus the worker role (no other role matches it) so one claim spans tenants.
    pgPolicy('webhook_deliveries_tenant_isolation', {
      for: 'all',
      to: 'public',
      using: sql`tenant_id = ${currentTenantSql} or current_user = ${sql.raw(`'${WEBHOOK_WORKER_ROLE}'`)}`,
      withCheck: sql`tenant_id = ${currentTenantSql} or current_user = ${sql.raw(`'${WEBHOOK_WORKER_ROLE}'`)}`,
    }),
  ],
).enableRLS();

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
