import { eq, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { type Queryable, scopeStatement } from '../../db/client.ts';
import { type SubscriptionStatus, stripeEvents, subscriptionStatuses, tenants } from '../../db/schema/index.ts';
import { scopedQueries } from '../../db/scoped.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { grantsPlan, isOverdue } from '../../lib/plans.ts';
import { planOfPrices } from '../../lib/stripe.ts';
import { checkoutSessionSchema, invoiceSchema, invoiceSubscription, periodEnd, type StripeEventLike, subscriptionSchema } from './stripe-webhook.payloads.ts';

export type Outcome = 'applied' | 'stale' | 'ignored' | 'duplicate';
interface Result {
  outcome: Exclude<Outcome, 'duplicate'>;
  reason?: string;
}

const billingColumns = {
  id: tenants.id,
  plan: tenants.plan,
  stripeCustomerId: tenants.stripeCustomerId,
  stripeSubscriptionId: tenants.stripeSubscriptionId,
  subscriptionStatus: tenants.subscriptionStatus,
  currentPeriodEnd: tenants.currentPeriodEnd,
  pastDueSince: tenants.pastDueSince,
  billingStateAt: tenants.billingStateAt,
};
type BillingState = { [K in keyof typeof billingColumns]: (typeof tenants.$inferSelect)[K] };
type Changes = Partial<Omit<BillingState, 'id'>>;

interface Ctx {
  c: Context<AppEnv>;
  q: Queryable;
  event: StripeEventLike;
  created: Date;
}

const ignored = (reason: string): Result => ({ outcome: 'ignored', reason });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant row, locked for the rest of the transaction (limit checks and other events of the tenant wait). */
async function lockTenant(q: Queryable, where: SQL): Promise<BillingState | null> {
  const [row] = await q.select(billingColumns).from(tenants).where(where).limit(1).for('no key update');
  return row ?? null;
}

/** Writes the change and its audit row (in the tenant, actor `system`) in the event's transaction. */
async function apply(ctx: Ctx, tenant: BillingState, changes: Changes, action: string, details: Record<string, unknown> = {}) {
  const { c, q, event } = ctx;
  if (Object.keys(changes).length)
    await q
      .update(tenants)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(tenants.id, tenant.id));
  // Plan and subscription state are part of every cached credential of the tenant.
  c.get('principals').invalidateTenant(tenant.id);
  const keys = Object.keys(changes).filter((k) => k !== 'billingStateAt') as (keyof Changes)[];
  await q.execute(scopeStatement(tenant.id));
  await audit(c, scopedQueries(q, tenant.id), {
    actorType: 'system',
    action,
    resourceType: 'billing',
    resourceId: tenant.id,
    changes: {
      stripeEventId: event.id,
      ...details,
      ...(keys.length && {
        before: Object.fromEntries(keys.map((k) => [k, tenant[k]])),
        after: Object.fromEntries(keys.map((k) => [k, changes[k]])),
      }),
    },
  });
}

/** An event created before the state we hold describes the past: it changes nothing. */
const stale = (tenant: BillingState, created: Date) => tenant.billingStateAt !== null && created < tenant.billingStateAt;

/** checkout.session.completed: links the tenant (client_reference_id, set by our checkout) to its customer and subscription. */
async function checkoutCompleted(ctx: Ctx): Promise<Result> {
  const parsed = checkoutSessionSchema.safeParse(ctx.event.data.object);
  if (!parsed.success) return ignored('unreadable checkout session');
  const session = parsed.data;
  if (session.mode !== 'subscription' || !session.customer) return ignored('not a subscription checkout');
  if (!session.client_reference_id || !UUID.test(session.client_reference_id)) return ignored('no tenant reference');
  const tenant = await lockTenant(ctx.q, eq(tenants.id, session.client_reference_id));
  if (!tenant) return ignored('unknown tenant');
  if (tenant.stripeCustomerId && tenant.stripeCustomerId !== session.customer) {
    // Checkout always runs with the tenant's own customer; another one is not ours to link.
    ctx.c.get('deps').logger.warn('checkout customer differs from the tenant customer', { eventId: ctx.event.id, tenantId: tenant.id });
    return ignored('customer differs from the linked one');
  }
  if (!tenant.stripeCustomerId) {
    const [other] = await ctx.q.select({ id: tenants.id }).from(tenants).where(eq(tenants.stripeCustomerId, session.customer)).limit(1);
    if (other) return ignored('customer already linked to another tenant');
  }
  // Linking carries no subscription state, so it does not move billingStateAt: the
  // subscription events (often delivered before this one) stay authoritative.
  const changes: Changes = { stripeCustomerId: session.customer };
  if (session.subscription && (!tenant.stripeSubscriptionId || !isActiveState(tenant.subscriptionStatus))) {
    changes.stripeSubscriptionId = session.subscription;
  }
  await apply(ctx, tenant, changes, 'billing.checkout_completed', { checkoutSessionId: session.id });
  return { outcome: 'applied' };
}

const isActiveState = (status: SubscriptionStatus | null) => status !== null && grantsPlan(status);
const knownStatus = (s: string): s is SubscriptionStatus => (subscriptionStatuses as readonly string[]).includes(s);

/** customer.subscription.created|updated|deleted: plan, status and period from the payload; Stripe is never called back. */
async function subscriptionChanged(ctx: Ctx): Promise<Result> {
  const parsed = subscriptionSchema.safeParse(ctx.event.data.object);
  if (!parsed.success) return ignored('unreadable subscription');
  const sub = parsed.data;
  const status = ctx.event.type === 'customer.subscription.deleted' ? 'canceled' : sub.status;
  if (!knownStatus(status)) return ignored(`unknown subscription status ${status}`);
  const tenant = await lockTenant(ctx.q, eq(tenants.stripeCustomerId, sub.customer));
  if (!tenant) return ignored('unknown customer');
  if (stale(tenant, ctx.created)) return { outcome: 'stale' };
  // The end of a subscription the tenant has already replaced does not end the current one.
  if (tenant.stripeSubscriptionId && tenant.stripeSubscriptionId !== sub.id && !grantsPlan(status)) {
    return ignored('not the tenant subscription');
  }
  let plan = tenant.plan;
  if (grantsPlan(status)) {
    const paid = planOfPrices(
      ctx.c.get('deps').config,
      sub.items.data.map((i) => i.price.id),
    );
    // A price we do not know is a configuration error: keep the plan rather than downgrade a paying tenant.
    if (paid) plan = paid;
    else
      ctx.c.get('deps').logger.warn('subscription price matches no plan (STRIPE_PRICE_PRO/STRIPE_PRICE_ENTERPRISE)', {
        eventId: ctx.event.id,
        tenantId: tenant.id,
      });
  } else {
    plan = 'free';
  }
  await apply(
    ctx,
    tenant,
    {
      plan,
      subscriptionStatus: status,
      stripeSubscriptionId: sub.id,
      currentPeriodEnd: periodEnd(sub),
      pastDueSince: isOverdue(status) ? (tenant.pastDueSince ?? ctx.created) : null,
      billingStateAt: ctx.created,
    },
    `billing.${ctx.event.type.slice('customer.'.length)}`,
  );
  return { outcome: 'applied' };
}

/** invoice.paid / invoice.payment_failed of the tenant's current subscription. */
async function invoiceEvent(ctx: Ctx): Promise<Result> {
  const parsed = invoiceSchema.safeParse(ctx.event.data.object);
  if (!parsed.success) return ignored('unreadable invoice');
  const invoice = parsed.data;
  const tenant = await lockTenant(ctx.q, eq(tenants.stripeCustomerId, invoice.customer));
  if (!tenant) return ignored('unknown customer');
  const subscription = invoiceSubscription(invoice);
  if (!subscription || subscription !== tenant.stripeSubscriptionId) return ignored('not the tenant subscription');
  if (stale(tenant, ctx.created)) return { outcome: 'stale' };
  const paid = ctx.event.type === 'invoice.paid';
  const details = {
    invoiceId: invoice.id,
    currency: invoice.currency,
    ...(paid ? { amountPaid: invoice.amount_paid } : { amountDue: invoice.amount_due, attemptCount: invoice.attempt_count }),
  };
  // Only a change of state moves billingStateAt: a payment says nothing about a plan change sent just before it.
  let changes: Changes = {};
  if (paid && isOverdue(tenant.subscriptionStatus)) {
    changes = { subscriptionStatus: 'active', pastDueSince: null, billingStateAt: ctx.created };
  } else if (
    !paid &&
    invoice.billing_reason !== 'subscription_create' &&
    (tenant.subscriptionStatus === 'active' || tenant.subscriptionStatus === 'trialing')
  ) {
    // A first invoice that fails leaves the subscription `incomplete` (it never granted the plan).
    changes = { subscriptionStatus: 'past_due', pastDueSince: tenant.pastDueSince ?? ctx.created, billingStateAt: ctx.created };
  }
  await apply(ctx, tenant, changes, paid ? 'billing.invoice_paid' : 'billing.invoice_payment_failed', details);
  return { outcome: 'applied' };
}

const handlers: Record<string, (ctx: Ctx) => Promise<Result>> = {
  'checkout.session.completed': checkoutCompleted,
  'customer.subscription.created': subscriptionChanged,
  'customer.subscription.updated': subscriptionChanged,
  'customer.subscription.deleted': subscriptionChanged,
  'invoice.paid': invoiceEvent,
  'invoice.payment_failed': invoiceEvent,
};

/**
 * Processes one verified event exactly once: the event id is claimed in
 * stripe_events in the same transaction as the state change, so a replay
 * (or a concurrent duplicate, which waits on the claim) changes nothing.
 */
export async function processStripeEvent(c: Context<AppEnv>, event: StripeEventLike): Promise<{ outcome: Outcome; reason?: string }> {
  const created = new Date(event.created * 1000);
  return c.get('deps').db.transaction(null, async (q) => {
    const claimed = await q
      .insert(stripeEvents)
      .values({ id: event.id, type: event.type, stripeCreatedAt: created, outcome: 'ignored' })
      .onConflictDoNothing()
      .returning({ id: stripeEvents.id });
    if (!claimed.length) return { outcome: 'duplicate' as const };
    const handler = handlers[event.type];
    const result = handler ? await handler({ c, q, event, created }) : ignored('event type not handled');
    if (result.outcome !== 'ignored') await q.update(stripeEvents).set({ outcome: result.outcome }).where(eq(stripeEvents.id, event.id));
    return result;
  });
}
