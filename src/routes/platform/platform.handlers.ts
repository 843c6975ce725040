import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { scopeStatement } from '../../db/client.ts';
import { tenants } from '../../db/schema/index.ts';
import { scopedQueries } from '../../db/scoped.ts';
import { effectivePlan, tenantWhere } from '../../db/tenants.ts';
import { type AuditEntry, audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { notFound } from '../../lib/errors.ts';
import { keysetPage, newestFirst } from '../../lib/pagination.ts';
import { usageFrom, usageQueries } from '../../lib/plan-limits.ts';
import type * as routes from './platform.routes.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

const columns = {
  id: tenants.id,
  slug: tenants.slug,
  name: tenants.name,
  status: tenants.status,
  plan: effectivePlan,
  planOverride: tenants.planOverride,
  subscriptionStatus: tenants.subscriptionStatus,
  currentPeriodEnd: tenants.currentPeriodEnd,
  pastDueSince: tenants.pastDueSince,
  stripeSubscriptionId: tenants.stripeSubscriptionId,
  stripeCustomerId: tenants.stripeCustomerId,
  createdAt: tenants.createdAt,
};

async function select(db: Database, where: SQL | undefined, orderBy: SQL[] = [], limit = 1) {
  const [rows] = await db.batch(
    null,
    (q) =>
      [
        q
          .select(columns)
          .from(tenants)
          .where(where)
          .orderBy(...orderBy)
          .limit(limit),
      ] as const,
  );
  return rows;
}
type Row = Awaited<ReturnType<typeof select>>[number];

/** Usage is counted inside each tenant's own scope (RLS allows nothing else), one batch per tenant, in parallel. */
async function withUsage(db: Database, rows: Row[]) {
  const counts = await Promise.all(rows.map((r) => db.batch(r.id, (q) => usageQueries(scopedQueries(q, r.id)))));
  return rows.map((r, i) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    status: r.status,
    plan: r.plan,
    planOverride: r.planOverride,
    subscription: r.subscriptionStatus
      ? {
          status: r.subscriptionStatus,
          currentPeriodEnd: r.currentPeriodEnd?.toISOString() ?? null,
          pastDueSince: r.pastDueSince?.toISOString() ?? null,
          stripeSubscriptionId: r.stripeSubscriptionId,
        }
      : null,
    stripeCustomerId: r.stripeCustomerId,
    usage: usageFrom(r.plan, counts[i] as { n: number }[][]),
    createdAt: r.createdAt.toISOString(),
  }));
}

export const list: Handler<'list'> = async (c) => {
  const query = c.req.valid('query');
  const { db } = c.get('deps');
  const page = keysetPage(newestFirst(tenants), query);
  const where = and(page.where, query.status ? eq(tenants.status, query.status) : undefined, query.plan ? sql`${effectivePlan} = ${query.plan}` : undefined);
  const { data, pagination } = page.page(await select(db, where, page.orderBy as SQL[], page.limit));
  return c.json({ data: await withUsage(db, data), pagination }, 200);
};

export const get: Handler<'get'> = async (c) => {
  const { db } = c.get('deps');
  const [row] = await select(db, tenantWhere(c.req.valid('param').tenant));
  if (!row) throw notFound('Tenant');
  const [view] = await withUsage(db, [row]);
  return c.json({ data: view! }, 200);
};

export const update: Handler<'update'> = async (c) => {
  const body = c.req.valid('json');
  const { db } = c.get('deps');
  const id = await db.transaction(null, async (q) => {
    const [t] = await q
      .select({ id: tenants.id, status: tenants.status, planOverride: tenants.planOverride })
      .from(tenants)
      .where(tenantWhere(c.req.valid('param').tenant))
      .limit(1)
      .for('no key update');
    if (!t) throw notFound('Tenant');
    const reason = body.reason ? { reason: body.reason } : {};
    const entries: Omit<AuditEntry, 'resourceType'>[] = [];
    if (body.status !== undefined && body.status !== t.status) {
      entries.push({
        action: body.status === 'suspended' ? 'tenant.suspended' : 'tenant.reactivated',
        changes: { before: { status: t.status }, after: { status: body.status }, ...reason },
      });
    }
    if (body.planOverride !== undefined && body.planOverride !== t.planOverride) {
      entries.push({
        action: body.planOverride === null ? 'tenant.plan_override_cleared' : 'tenant.plan_override_set',
        changes: { before: { planOverride: t.planOverride }, after: { planOverride: body.planOverride }, ...reason },
      });
    }
    if (!entries.length) return t.id;
    await q
      .update(tenants)
      .set({
        ...(body.status !== undefined && { status: body.status }),
        ...(body.planOverride !== undefined && { planOverride: body.planOverride }),
        updatedAt: new Date(),
      })
      .where(eq(tenants.id, t.id));
    // The audit trail lives in the affected tenant, written by the operator (actor type platform).
    await q.execute(scopeStatement(t.id));
    const s = scopedQueries(q, t.id);
    for (const entry of entries) await audit(c, s, { ...entry, actorType: 'platform', resourceType: 'tenant', resourceId: t.id });
    return t.id;
  });
  // Suspension and plan overrides reach this instance's cached credentials at once.
  c.get('principals').invalidateTenant(id);
  const [row] = await select(db, eq(tenants.id, id));
  const [view] = await withUsage(db, [row!]);
  return c.json({ data: view! }, 200);
};
