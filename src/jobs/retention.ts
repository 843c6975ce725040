import { lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { scopedQueries } from '../db/scoped.ts';
import { securityEvents, tenants } from '../db/schema/index.ts';
import { rowsOf } from '../lib/audit-chain.ts';

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  AUDIT_RETENTION_DAYS: number;
  SECURITY_EVENT_RETENTION_DAYS: number;
}

export interface TenantRetention {
  tenantId: string;
  auditRowsPruned: number;
  /** The chain range removed (seq), when any. */
  auditSeqs?: { from: number; to: number };
  securityEventsPruned: number;
}

export interface RetentionReport {
  auditBefore: Date;
  securityEventsBefore: Date;
  tenants: number;
  auditRowsPruned: number;
  securityEventsPruned: number;
  /** Only the tenants where something was pruned. */
  pruned: TenantRetention[];
}

interface PruneRow {
  pruned: number | string;
  from_seq: number | string;
  to_seq: number | string;
}

/**
 * Prunes each tenant's audit rows and security events older than the
 * configured windows, one short transaction per tenant (inside its RLS
 * scope). Audit rows go through audit_prune (drizzle/0010), which removes the
 * oldest part of the chain and appends a chained audit_log.pruned event
 * carrying the last removed row's hash, so verification still passes.
 */
export async function runRetention(db: Database, settings: RetentionSettings, now = new Date()): Promise<RetentionReport> {
  const auditBefore = new Date(now.getTime() - settings.AUDIT_RETENTION_DAYS * DAY_MS);
  const securityEventsBefore = new Date(now.getTime() - settings.SECURITY_EVENT_RETENTION_DAYS * DAY_MS);
  // The tenant registry is read without a tenant scope (it has no tenant_id).
  const [all] = await db.batch(null, (q) => [q.select({ id: tenants.id }).from(tenants).orderBy(tenants.id)] as const);
  const report: RetentionReport = { auditBefore, securityEventsBefore, tenants: all.length, auditRowsPruned: 0, securityEventsPruned: 0, pruned: [] };
  for (const { id: tenantId } of all) {
    const result = await db.transaction(tenantId, async (q) => {
      const s = scopedQueries(q, tenantId);
      const [audit] = rowsOf<PruneRow>(await s.q.execute(sql`select * from audit_prune(${auditBefore.toISOString()}::timestamptz)`));
      const events = await s.delete(securityEvents, lt(securityEvents.createdAt, securityEventsBefore)).returning({ id: securityEvents.id });
      const entry: TenantRetention = { tenantId, auditRowsPruned: audit ? Number(audit.pruned) : 0, securityEventsPruned: events.length };
      if (audit) entry.auditSeqs = { from: Number(audit.from_seq), to: Number(audit.to_seq) };
      return entry;
    });
    report.auditRowsPruned += result.auditRowsPruned;
    report.securityEventsPruned += result.securityEventsPruned;
    if (result.auditRowsPruned || result.securityEventsPruned) report.pruned.push(result);
  }
  return report;
}
