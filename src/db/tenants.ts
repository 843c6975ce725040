import { eq, or, sql } from 'drizzle-orm';
import type { PlanId } from '../lib/plans.ts';
import type { Database } from './client.ts';
import { tenants } from './schema/index.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The effective plan: an operator's override wins over what the subscription grants. */
export const effectivePlan = sql<PlanId>`coalesce(${tenants.planOverride}, ${tenants.plan})`;

/** What the pipeline knows about a tenant: `plan` is the effective plan; the subscription fields drive write access. */
export const tenantColumns = {
  id: tenants.id,
  slug: tenants.slug,
  name: tenants.name,
  plan: effectivePlan,
  status: tenants.status,
  subscriptionStatus: tenants.subscriptionStatus,
  pastDueSince: tenants.pastDueSince,
};

export interface TenantSummary {
  id: string;
  slug: string;
  name: string;
  plan: PlanId;
  status: (typeof tenants.$inferSelect)['status'];
  subscriptionStatus: (typeof tenants.$inferSelect)['subscriptionStatus'];
  pastDueSince: Date | null;
}

/** Matches a tenant by id or slug. */
export function tenantWhere(idOrSlug: string) {
  const value = idOrSlug.toLowerCase();
  return UUID.test(value) ? or(eq(tenants.id, value), eq(tenants.slug, value)) : eq(tenants.slug, value);
}

/** The tenant registry is the one table read without a tenant scope: it is how a tenant is found. */
export async function findTenant(db: Database, idOrSlug: string) {
  const [rows] = await db.batch(null, (q) => [q.select(tenantColumns).from(tenants).where(tenantWhere(idOrSlug)).limit(1)] as const);
  return rows[0] ?? null;
}
