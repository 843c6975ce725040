import { eq, type SQL, sql } from 'drizzle-orm';
import { contacts, leads, tenants, users } from '../db/schema/index.ts';
import { type Scoped, send, type TenantTable } from '../db/scoped.ts';
import { effectivePlan } from '../db/tenants.ts';
import { ApiError } from './errors.ts';
import { limitLabels, type PlanId, type PlanLimit, plans } from './plans.ts';

/**
 * Plan limits, enforced atomically. Every write that adds counted records
 * calls `reserve` (or `remaining`) inside the transaction that inserts them:
 * it locks the tenant's registry row (FOR NO KEY UPDATE: serialises the limit
 * checks of one tenant without blocking the foreign-key locks its other
 * inserts take), then counts in a later statement, which under READ COMMITTED
 * sees every insert committed by whoever held the lock before. So 20 parallel
 * creates at 95 end at exactly 100, on any number of app instances.
 */

/**
 * Seats: active users, and invited users whose invitation can still be
 * accepted (an expired one frees its seat). Raw names: drizzle leaves the
 * outer column unqualified, which the subquery would read as its own.
 */
const seatTaken = sql`${users.status} = 'active' or (${users.status} = 'invited' and exists (
  select 1 from invitations i where i.user_id = users.id and i.accepted_at is null and i.expires_at > now()))`;

/** What each limit counts. */
const counted: Record<PlanLimit, { table: TenantTable; where?: SQL }[]> = {
  users: [{ table: users, where: seatTaken }],
  leadsAndContacts: [{ table: leads }, { table: contacts }],
};
const LIMITS = Object.keys(counted) as PlanLimit[];

const total = (results: { n: number }[][]) => results.reduce((sum, r) => sum + Number(r[0]?.n ?? 0), 0);

/**
 * How many more records the limit allows (`left` null = unlimited). Holds the tenant lock until the transaction ends.
 * The lock and the counts are sent together (one round trip where the driver pipelines); the server runs them in
 * order, so the counts still run under the lock. Sent when called, so a caller may issue its next statements before
 * awaiting the result.
 */
export async function remaining(s: Scoped, limit: PlanLimit) {
  const locked = send(s.q.select({ plan: effectivePlan }).from(tenants).where(eq(tenants.id, s.tenantId)).for('no key update'));
  const counts = counted[limit].map(({ table, where }) => send(s.count(table, where)));
  const [row] = await locked;
  if (!row) throw new Error(`tenant ${s.tenantId} not found`);
  const plan = row.plan;
  const max = plans[plan].limits[limit];
  if (max === null) return { plan, max, used: 0, left: null };
  const used = total(await Promise.all(counts));
  return { plan, max, used, left: Math.max(0, max - used) };
}

export function limitReached(limit: PlanLimit, plan: PlanId, max: number, used: number, adding: number, outcome = 'upgrade your plan to add more'): ApiError {
  const label = limitLabels[limit];
  return new ApiError(
    'plan_limit_reached',
    `Plan limit reached: the ${plan} plan allows ${max} ${label} (${used} in use${adding > 1 ? `, ${adding} more requested` : ''}); ${outcome}`,
    [{ field: limit, message: `limit of ${max} ${label} on the ${plan} plan; ${used} in use` }],
  );
}

/** Makes room for `adding` more records under the limit, or throws 402 plan_limit_reached naming it. */
export async function reserve(s: Scoped, limit: PlanLimit, adding = 1): Promise<void> {
  if (adding <= 0) return;
  const r = await remaining(s, limit);
  if (r.left !== null && r.left < adding) throw limitReached(limit, r.plan, r.max as number, r.used, adding);
}

/**
 * For bulk writes: the items that fit the limit, in order (items that add no
 * record always fit). All or nothing (402) unless `partial`; then the new
 * records beyond the limit are reported per row and left out.
 */
export async function fitToLimit<T extends { row: number }>(
  s: Scoped,
  limit: PlanLimit,
  items: T[],
  isNew: (item: T) => boolean,
  partial: boolean,
  errors: { row: number; field: string; message: string }[],
): Promise<T[]> {
  const adding = items.filter(isNew).length;
  if (!adding) return items;
  const r = await remaining(s, limit);
  if (r.left === null || adding <= r.left) return items;
  const max = r.max as number;
  if (!partial) throw limitReached(limit, r.plan, max, r.used, adding, 'nothing was imported (send ?partial=true to import up to the limit)');
  let room = r.left;
  return items.filter((item) => {
    if (!isNew(item)) return true;
    if (room > 0) return room-- > 0;
    errors.push({ row: item.row, field: limit, message: `not imported: the ${r.plan} plan allows ${max} ${limitLabels[limit]}` });
    return false;
  });
}

/** The count queries of every limit, to send in one batch (one round trip where the driver can). */
export const usageQueries = (s: Scoped) => LIMITS.flatMap((limit) => counted[limit].map(({ table, where }) => s.count(table, where)));

/** Usage against each limit of the plan, from the results of usageQueries (a snapshot, no lock). */
export function usageFrom(plan: PlanId, results: { n: number }[][]) {
  let at = 0;
  const usage = {} as Record<PlanLimit, { used: number; limit: number | null }>;
  for (const limit of LIMITS) {
    const width = counted[limit].length;
    usage[limit] = { used: total(results.slice(at, at + width)), limit: plans[plan].limits[limit] };
    at += width;
  }
  return usage;
}
