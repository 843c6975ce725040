import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, gte, isNotNull, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { activities, deals, leads, pipelines, stages, users } from '../../db/schema/index.ts';
import { ownRecordsOnly } from '../../lib/access.ts';
import type { AppEnv, Principal } from '../../lib/context.ts';
import { notFound } from '../../lib/errors.ts';
import type * as routes from './reports.routes.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

/** Sales users report on what they own (SPEC section 5: "reports: read (own pipeline)"); everyone else on the tenant. */
const OWN_ONLY_ROLES = ['sales_user'] as const;
const ownerFilter = (principal: Principal, column: typeof deals.ownerId | typeof leads.ownerId | typeof activities.ownerId) =>
  ownRecordsOnly(principal, OWN_ONLY_ROLES) ? eq(column, principal.userId as string) : undefined;

const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 10_000) / 10_000 : null);

export const pipeline: Handler<'pipeline'> = async (c) => {
  const query = c.req.valid('query');
  const principal = c.get('principal');
  const chosen = query.pipelineId ? eq(pipelines.id, query.pipelineId) : eq(pipelines.isDefault, true);
  const [found, rows] = await c.get('tenantDb').batch((s) => {
    const pipelineId: SQL = query.pipelineId
      ? sql`${query.pipelineId}::uuid`
      : sql`(${s.q.select({ id: pipelines.id }).from(pipelines).where(s.where(pipelines, chosen)).orderBy(asc(pipelines.createdAt)).limit(1)})`;
    return [
      s.select(pipelines, { where: chosen, orderBy: [asc(pipelines.createdAt)], limit: 1 }),
      // One aggregate: every stage of the pipeline (empty ones too), deals grouped by currency.
      s.q
        .select({
          stageId: stages.id,
          name: stages.name,
          position: stages.position,
          probability: stages.probability,
          currency: deals.currency,
          count: sql<number>`count(${deals.id})::int`,
          amount: sql<string>`coalesce(sum(${deals.amount}), 0)::text`,
          weighted: sql<string>`(coalesce(sum(${deals.amount}::numeric * ${stages.probability}), 0) / 100)::text`,
        })
        .from(stages)
        .leftJoin(
          deals,
          s.where(
            deals,
            and(eq(deals.stageId, stages.id), query.status === 'all' ? undefined : eq(deals.status, query.status), ownerFilter(principal, deals.ownerId)),
          ),
        )
        .where(s.where(stages, sql`${stages.pipelineId} = ${pipelineId}`))
        .groupBy(stages.id, deals.currency)
        .orderBy(asc(stages.position), asc(deals.currency)),
    ] as const;
  });
  const chosenPipeline = found[0];
  if (!chosenPipeline) throw notFound('Pipeline');

  type Money = { currency: string; count: number; amount: number; weightedAmount: number };
  const stageList: { stageId: string; name: string; position: number; probability: number; byCurrency: Money[] }[] = [];
  const totals = new Map<string, Money>();
  for (const row of rows) {
    let stage = stageList.at(-1);
    if (stage?.stageId !== row.stageId) {
      stage = { stageId: row.stageId, name: row.name, position: row.position, probability: row.probability, byCurrency: [] };
      stageList.push(stage);
    }
    if (row.currency === null || row.count === 0) continue;
    const money = { currency: row.currency, count: row.count, amount: Number(row.amount), weightedAmount: Number(row.weighted) };
    stage.byCurrency.push(money);
    const sum = totals.get(row.currency) ?? { currency: row.currency, count: 0, amount: 0, weightedAmount: 0 };
    sum.count += money.count;
    sum.amount += money.amount;
    // Sums of values with at most 2 decimals: rounded back to 2 so binary fractions never show.
    sum.weightedAmount = Math.round((sum.weightedAmount + money.weightedAmount) * 100) / 100;
    totals.set(row.currency, sum);
  }
  return c.json(
    {
      data: {
        pipeline: { id: chosenPipeline.id, name: chosenPipeline.name },
        status: query.status,
        stages: stageList,
        totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      },
    },
    200,
  );
};

export const funnel: Handler<'funnel'> = async (c) => {
  const query = c.req.valid('query');
  const principal = c.get('principal');
  const converted = or(eq(leads.status, 'converted'), isNotNull(leads.convertedAt));
  const [rows] = await c.get('tenantDb').batch(
    (s) =>
      [
        s.q
          .select({
            source: leads.source,
            created: sql<number>`count(*)::int`,
            contacted: sql<number>`(count(*) filter (where ${or(sql`${leads.status} in ('contacted', 'qualified', 'unqualified', 'converted')`, converted)}))::int`,
            qualified: sql<number>`(count(*) filter (where ${or(sql`${leads.status} in ('qualified', 'converted')`, converted)}))::int`,
            converted: sql<number>`(count(*) filter (where ${converted}))::int`,
          })
          .from(leads)
          .where(
            s.where(
              leads,
              and(
                gte(leads.createdAt, query.from),
                lt(leads.createdAt, query.to),
                query.source ? sql`lower(${leads.source}) = ${query.source.toLowerCase()}` : undefined,
                ownerFilter(principal, leads.ownerId),
              ),
            ),
          )
          .groupBy(leads.source)
          .orderBy(sql`count(*) desc`, asc(leads.source)),
      ] as const,
  );
  const withRates = (r: { created: number; contacted: number; qualified: number; converted: number }) => ({
    created: r.created,
    contacted: r.contacted,
    qualified: r.qualified,
    converted: r.converted,
    contactedRate: rate(r.contacted, r.created),
    qualifiedRate: rate(r.qualified, r.created),
    conversionRate: rate(r.converted, r.created),
  });
  const sum = rows.reduce(
    (t, r) => ({
      created: t.created + r.created,
      contacted: t.contacted + r.contacted,
      qualified: t.qualified + r.qualified,
      converted: t.converted + r.converted,
    }),
    { created: 0, contacted: 0, qualified: 0, converted: 0 },
  );
  return c.json(
    {
      data: {
        range: { from: query.from.toISOString(), to: query.to.toISOString() },
        bySource: rows.map((r) => ({ source: r.source, ...withRates(r) })),
        totals: withRates(sum),
      },
    },
    200,
  );
};

export const activity: Handler<'activity'> = async (c) => {
  const query = c.req.valid('query');
  const principal = c.get('principal');
  const owner = ownerFilter(principal, activities.ownerId);
  const [perType, overdue, people] = await c.get('tenantDb').batch(
    (s) =>
      [
        s.q
          .select({ ownerId: activities.ownerId, type: activities.type, n: sql<number>`count(*)::int` })
          .from(activities)
          .where(s.where(activities, and(gte(activities.createdAt, query.from), lt(activities.createdAt, query.to), owner)))
          .groupBy(activities.ownerId, activities.type),
        s.q
          .select({ ownerId: activities.ownerId, n: sql<number>`count(*)::int` })
          .from(activities)
          .where(s.where(activities, and(eq(activities.type, 'task'), isNull(activities.completedAt), lt(activities.dueAt, sql`now()`), owner)))
          .groupBy(activities.ownerId),
        // Names for the people in the report: a tenant has few users, all of them in one short read.
        s.q.select({ id: users.id, name: users.name }).from(users).where(s.where(users)),
      ] as const,
  );
  const names = new Map(people.map((p) => [p.id, p.name]));
  const byUser = new Map<string | null, { userId: string | null; name: string | null; byType: Record<string, number>; total: number; overdueTasks: number }>();
  const entry = (userId: string | null) => {
    let e = byUser.get(userId);
    if (!e) {
      e = { userId, name: userId ? (names.get(userId) ?? null) : null, byType: {}, total: 0, overdueTasks: 0 };
      byUser.set(userId, e);
    }
    return e;
  };
  for (const r of perType) {
    const e = entry(r.ownerId);
    e.byType[r.type] = r.n;
    e.total += r.n;
  }
  for (const r of overdue) entry(r.ownerId).overdueTasks = r.n;
  const list = [...byUser.values()].sort((a, b) => b.total - a.total || (a.name ?? '').localeCompare(b.name ?? ''));
  return c.json({ data: { range: { from: query.from.toISOString(), to: query.to.toISOString() }, users: list } }, 200);
};
