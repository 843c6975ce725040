import { and, eq, inArray, lt, notExists, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { rowsOf } from '../db/client.ts';
import { securityEvents, tenants, webhookDeliveries, webhookEvents } from '../db/schema/index.ts';
import { scopedQueries } from '../db/scoped.ts';

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  AUDIT_RETENTION_DAYS: number;
  SECURITY_EVENT_RETENTION_DAYS: number;
  WEBHOOK_RETENTION_DAYS: number;
}

export interface TenantRetention {
  tenantId: string;
  auditRowsPruned: number;
  /** The chain range removed (seq), when any. */
  auditSeqs?: { from: number; to: number };
  securityEventsPruned: number;
  webhookDeliveriesPruned: number;
  webhookEventsPruned: number;
}

export interface RetentionReport {
  auditBefore: Date;
  securityEventsBefore: Date;
  webhooksBefore: Date;
  tenants: number;
  auditRowsPruned: number;
  securityEventsPruned: number;
  webhookDeliveriesPruned: number;
  webhookEventsPruned: number;
  /** Only the tenants where something was pruned. */
  pruned: TenantRetention[];
}

interface PruneRow {
  pruned: number | string;
  from_seq: number | string;
  to_seq: number | string;
}

/** Delivery states the worker never touches again (a redelivery makes them pending first). */
const FINISHED = ['succeeded', 'dead'] as const;

/**
 * Prunes each tenant's audit rows, security events and webhook outbox older
 * than the configured windows, one short transaction per tenant (inside its
 * RLS scope). Audit rows go through audit_prune (drizzle/0010), which removes
 * the oldest part of the chain and appends a chained audit_log.pruned event
 * carrying the last removed row's hash, so verification still passes.
 * Webhook deliveries go once finished and untouched (updated_at) for the
 * window, so a recent redelivery keeps its log; an old event goes only when
 * no delivery of it remains, so a pending or in-flight delivery never loses
 * its event (deleting the event would cascade to it).
 */
export async function runRetention(db: Database, settings: RetentionSettings, now = new Date()): Promise<RetentionReport> {
  const auditBefore = new Date(now.getTime() - settings.AUDIT_RETENTION_DAYS * DAY_MS);
  const securityEventsBefore = new Date(now.getTime() - settings.SECURITY_EVENT_RETENTION_DAYS * DAY_MS);
  const webhooksBefore = new Date(now.getTime() - settings.WEBHOOK_RETENTION_DAYS * DAY_MS);
  // The tenant registry is read without a tenant scope (it has no tenant_id).
  const [all] = await db.batch(null, (q) => [q.select({ id: tenants.id }).from(tenants).orderBy(tenants.id)] as const);
  const report: RetentionReport = {
    auditBefore,
    securityEventsBefore,
    webhooksBefore,
    tenants: all.length,
    auditRowsPruned: 0,
    securityEventsPruned: 0,
    webhookDeliveriesPruned: 0,
    webhookEventsPruned: 0,
    pruned: [],
  };
  for (const { id: tenantId } of all) {
    const result = await db.transaction(tenantId, async (q) => {
      const s = scopedQueries(q, tenantId);
      const [audit] = rowsOf<PruneRow>(await s.q.execute(sql`select * from audit_prune(${auditBefore.toISOString()}::timestamptz)`));
      const events = await s.delete(securityEvents, lt(securityEvents.createdAt, securityEventsBefore)).returning({ id: securityEvents.id });
      const deliveries = await s
        .delete(webhookDeliveries, and(inArray(webhookDeliveries.status, FINISHED), lt(webhookDeliveries.updatedAt, webhooksBefore)))
        .returning({ id: webhookDeliveries.id });
      const outbox = await s
        .delete(
          webhookEvents,
          and(
            lt(webhookEvents.createdAt, webhooksBefore),
            notExists(
              s.q
                .select({ one: sql`1` })
                .from(webhookDeliveries)
                .where(s.where(webhookDeliveries, eq(webhookDeliveries.eventId, webhookEvents.id))),
            ),
          ),
        )
        .returning({ id: webhookEvents.id });
      const entry: TenantRetention = {
        tenantId,
        auditRowsPruned: audit ? Number(audit.pruned) : 0,
        securityEventsPruned: events.length,
        webhookDeliveriesPruned: deliveries.length,
        webhookEventsPruned: outbox.length,
      };
      if (audit) entry.auditSeqs = { from: Number(audit.from_seq), to: Number(audit.to_seq) };
      return entry;
    });
    report.auditRowsPruned += result.auditRowsPruned;
    report.securityEventsPruned += result.securityEventsPruned;
    report.webhookDeliveriesPruned += result.webhookDeliveriesPruned;
    report.webhookEventsPruned += result.webhookEventsPruned;
    if (result.auditRowsPruned || result.securityEventsPruned || result.webhookDeliveriesPruned || result.webhookEventsPruned) report.pruned.push(result);
  }
  return report;
}
