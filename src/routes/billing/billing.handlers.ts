import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import type { Context } from 'hono';
import { tenants } from '../../db/schema/index.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { ApiError } from '../../lib/errors.ts';
import { usageFrom, usageQueries } from '../../lib/plan-limits.ts';
import { grantsPlan, plans, writesBlocked } from '../../lib/plans.ts';
import { callStripe, priceOf, stripeClient } from '../../lib/stripe.ts';
import type * as routes from './billing.routes.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

const billingRow = {
  planOverride: tenants.planOverride,
  stripeCustomerId: tenants.stripeCustomerId,
  stripeSubscriptionId: tenants.stripeSubscriptionId,
  subscriptionStatus: tenants.subscriptionStatus,
  currentPeriodEnd: tenants.currentPeriodEnd,
  pastDueSince: tenants.pastDueSince,
};

async function readBilling(c: Context<AppEnv>) {
  const [rows, ...counts] = (await c
    .get('tenantDb')
    .batch((s) => [s.q.select(billingRow).from(tenants).where(eq(tenants.id, s.tenantId)).limit(1), ...usageQueries(s)])) as [
    (typeof tenants.$inferSelect)[],
    ...{ n: number }[][],
  ];
  const row = rows[0];
  if (!row) throw new ApiError('unauthorized', 'Access token is no longer valid');
  return { row, counts };
}

/** Where Stripe sends the admin back: configured, else the front-end (APP_URL) or this API's origin. */
function returnUrls(c: Context<AppEnv>) {
  const { config } = c.get('deps');
  const base = `${config.APP_URL ?? new URL(c.req.url).origin}/billing`;
  return {
    success: config.STRIPE_SUCCESS_URL ?? `${base}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
    cancel: config.STRIPE_CANCEL_URL ?? `${base}?checkout=canceled`,
    portal: config.STRIPE_PORTAL_RETURN_URL ?? base,
  };
}

export const get: Handler<'get'> = async (c) => {
  const { tenant } = c.get('principal');
  const { row, counts } = await readBilling(c);
  return c.json(
    {
      data: {
        plan: tenant.plan,
        planOverride: row.planOverride,
        subscription: row.subscriptionStatus
          ? {
              status: row.subscriptionStatus,
              currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
              pastDueSince: row.pastDueSince?.toISOString() ?? null,
            }
          : null,
        writesBlocked: writesBlocked(row, c.get('deps').config.BILLING_GRACE_PERIOD_DAYS),
        usage: usageFrom(tenant.plan, counts),
        features: plans[tenant.plan].features,
        billingAccount: row.stripeCustomerId !== null,
      },
    },
    200,
  );
};

export const checkout: Handler<'checkout'> = async (c) => {
  const { plan } = c.req.valid('json');
  const { config, logger } = c.get('deps');
  const principal = c.get('principal');
  const requestId = c.get('requestId');
  const tenantDb = c.get('tenantDb');
  const price = priceOf(config, plan);
  if (!price) throw new ApiError('service_unavailable', `Billing for the ${plan} plan is not configured on this server`);
  const { row } = await readBilling(c);
  if (row.stripeSubscriptionId && row.subscriptionStatus && grantsPlan(row.subscriptionStatus)) {
    throw new ApiError('conflict', 'This tenant already has a subscription; change plans in the billing portal (POST /api/billing/portal)');
  }
  const stripe = await stripeClient(config);

  // The customer is created before checkout so that subscription events, which
  // Stripe may deliver before checkout.session.completed, already find the tenant.
  let customer = row.stripeCustomerId;
  if (!customer) {
    const created = await callStripe(logger, requestId, 'customers.create', () =>
      stripe.customers.create(
        { name: principal.tenant.name, email: principal.email ?? undefined, metadata: { tenant_id: principal.tenant.id, tenant_slug: principal.tenant.slug } },
        // Concurrent checkouts of one tenant get the same customer back from Stripe.
        { idempotencyKey: `tenant-customer-${principal.tenant.id}` },
      ),
    );
    customer = await tenantDb.transaction(async (s) => {
      const [linked] = await s.q
        .update(tenants)
        .set({ stripeCustomerId: created.id, updatedAt: new Date() })
        .where(and(eq(tenants.id, s.tenantId), isNull(tenants.stripeCustomerId)))
        .returning({ id: tenants.stripeCustomerId });
      if (!linked) {
        const [current] = await s.q.select({ id: tenants.stripeCustomerId }).from(tenants).where(eq(tenants.id, s.tenantId));
        return current?.id ?? created.id;
      }
      await audit(c, s, { action: 'billing.customer_linked', resourceType: 'billing', resourceId: s.tenantId, changes: { stripeCustomerId: created.id } });
      return created.id;
    });
  }

  const urls = returnUrls(c);
  const session = await callStripe(logger, requestId, 'checkout.sessions.create', () =>
    stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer as string,
      client_reference_id: principal.tenant.id,
      line_items: [{ price, quantity: 1 }],
      success_url: urls.success,
      cancel_url: urls.cancel,
      metadata: { tenant_id: principal.tenant.id },
      subscription_data: { metadata: { tenant_id: principal.tenant.id } },
    }),
  );
  if (!session.url) throw new ApiError('service_unavailable', 'The payment provider returned no checkout URL');
  await tenantDb.transaction(async (s) => {
    await audit(c, s, {
      action: 'billing.checkout_started',
      resourceType: 'billing',
      resourceId: s.tenantId,
      changes: { plan, checkoutSessionId: session.id },
    });
  });
  return c.json({ data: { url: session.url, sessionId: session.id } }, 200);
};

export const portal: Handler<'portal'> = async (c) => {
  const { config, logger } = c.get('deps');
  const { row } = await readBilling(c);
  if (!row.stripeCustomerId) throw new ApiError('conflict', 'This tenant has no billing account yet; subscribe first with POST /api/billing/checkout');
  const stripe = await stripeClient(config);
  const customer = row.stripeCustomerId;
  const session = await callStripe(logger, c.get('requestId'), 'billingPortal.sessions.create', () =>
    stripe.billingPortal.sessions.create({ customer, return_url: returnUrls(c).portal }),
  );
  await c.get('tenantDb').transaction(async (s) => {
    await audit(c, s, { action: 'billing.portal_opened', resourceType: 'billing', resourceId: s.tenantId, changes: { portalSessionId: session.id } });
  });
  return c.json({ data: { url: session.url } }, 200);
};
