import { beforeAll, describe, expect, it } from 'vitest';
import { fillLeadsAndContacts, registerTenant } from '../billing-tenants.ts';
import { createHarness, type Harness, json } from '../harness.ts';
import { PRICE_ENTERPRISE, PRICE_PRO, signedEvent, startStripeFixture, subscriptionObject } from '../stripe-fixture.ts';

/**
 * The Stripe webhook, tested for real: payloads signed in the test with the
 * secret the app is configured with (the SDK's own test-header generator),
 * posted through the whole pipeline, and the database checked after.
 */
let h: Harness;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  const stripe = await startStripeFixture();
  h = await createHarness(stripe.env);
});

async function deliver(event: Parameters<typeof signedEvent>[0], options: Parameters<typeof signedEvent>[1] = {}) {
  const signed = await signedEvent(event, options);
  const res = await h.request('POST', '/api/webhooks/stripe', {
    body: signed.payload,
    headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signed.signature },
  });
  return { res, id: signed.id, body: res.status === 200 ? (await json(res)).data : await json(res) };
}

async function linkedTenant(slug: string) {
  const t = await registerTenant(h, slug);
  const customer = `cus_${slug.replaceAll('-', '')}`;
  await h.raw.query('update tenants set stripe_customer_id = $1 where id = $2', [customer, t.tenantId]);
  return { ...t, customer, subscription: `sub_${slug.replaceAll('-', '')}` };
}

async function billingOf(tenantId: string) {
  const [row] = await h.raw.query<{
    plan: string;
    subscription_status: string | null;
    stripe_subscription_id: string | null;
    stripe_customer_id: string | null;
    past_due_since: Date | null;
    current_period_end: Date | null;
  }>('select plan, subscription_status, stripe_subscription_id, stripe_customer_id, past_due_since, current_period_end from tenants where id = $1', [tenantId]);
  return row!;
}

const auditActions = async (tenantId: string) =>
  (
    await h.raw.query<{ action: string; actor_type: string }>(
      "select action, actor_type from audit_logs where tenant_id = $1 and action like 'billing.%' order by created_at, id",
      [tenantId],
    )
  ).map((r) => `${r.actor_type}:${r.action}`);

const subEvent = (
  type: string,
  t: { customer: string; subscription: string },
  status: string,
  price: string,
  created = now(),
  extra: Record<string, unknown> = {},
) => ({
  type: `customer.subscription.${type}`,
  created,
  object: { ...subscriptionObject({ id: t.subscription, customer: t.customer, status, price }), ...extra },
});

describe('signature verification on the raw body', () => {
  it('accepts a correctly signed event (Stripe pretty-prints the JSON: the exact bytes are verified, not a re-serialisation)', async () => {
    const pretty = await deliver({ type: 'ping.unknown', object: { id: 'x' } });
    expect(pretty.res.status).toBe(200);
    const compact = await deliver({ type: 'ping.unknown', object: { id: 'y' } }, { pretty: false });
    expect(compact.res.status).toBe(200);
  });

  it('refuses a wrong secret, a tampered body, a missing header, and records nothing', async () => {
    const wrong = await deliver({ type: 'ping.unknown', object: {} }, { secret: 'whsec_someone_else' });
    expect(wrong.res.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'validation_error', message: 'Invalid Stripe signature' });

    const signed = await signedEvent({ type: 'ping.unknown', object: { amount: 1 } });
    const tampered = await h.request('POST', '/api/webhooks/stripe', {
      body: signed.payload.replace('"amount": 1', '"amount": 2'),
      headers: { 'stripe-signature': signed.signature },
    });
    expect(tampered.status).toBe(400);

    const unsigned = await h.request('POST', '/api/webhooks/stripe', { body: signed.payload });
    expect(unsigned.status).toBe(400);

    const recorded = await h.raw.query('select id from stripe_events where id in ($1, $2)', [wrong.id, signed.id]);
    expect(recorded).toEqual([]);
  });

  it('refuses a signature older than the 300 s tolerance, accepts one inside it', async () => {
    const stale = await deliver({ type: 'ping.unknown', object: {} }, { timestamp: now() - 301 });
    expect(stale.res.status).toBe(400);
    const fresh = await deliver({ type: 'ping.unknown', object: {} }, { timestamp: now() - 240 });
    expect(fresh.res.status).toBe(200);
  });

  it('a replayed signed payload is acknowledged and changes nothing', async () => {
    const t = await linkedTenant('wh-replay');
    const signed = await signedEvent(subEvent('created', t, 'active', PRICE_PRO, now() - 100));
    const post = () => h.request('POST', '/api/webhooks/stripe', { body: signed.payload, headers: { 'stripe-signature': signed.signature } });
    expect((await json(await post())).data.outcome).toBe('applied');
    // A newer state arrives, then the first event is replayed.
    expect((await deliver(subEvent('deleted', t, 'canceled', PRICE_PRO))).body.outcome).toBe('applied');
    const replay = await post();
    expect(replay.status).toBe(200);
    expect((await json(replay)).data.outcome).toBe('duplicate');
    expect(await billingOf(t.tenantId)).toMatchObject({ plan: 'free', subscription_status: 'canceled' });
    expect(await auditActions(t.tenantId)).toEqual(['system:billing.subscription.created', 'system:billing.subscription.deleted']);
  });

  it('concurrent deliveries of one event apply it exactly once', async () => {
    const t = await linkedTenant('wh-concurrent');
    const signed = await signedEvent(subEvent('created', t, 'active', PRICE_ENTERPRISE));
    const results = await Promise.all(
      Array.from({ length: 6 }, () => h.request('POST', '/api/webhooks/stripe', { body: signed.payload, headers: { 'stripe-signature': signed.signature } })),
    );
    const outcomes = await Promise.all(results.map(async (r) => (await json(r)).data.outcome as string));
    expect(outcomes.sort()).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await auditActions(t.tenantId)).toEqual(['system:billing.subscription.created']);
    const events = await h.raw.query('select outcome from stripe_events where id = $1', [signed.id]);
    expect(events).toEqual([{ outcome: 'applied' }]);
  });
});

describe('the tenant comes from the stored mapping only', () => {
  it('unknown customers and unknown event types are acknowledged and ignored', async () => {
    const unknownCustomer = await deliver(subEvent('created', { customer: 'cus_nobody', subscription: 'sub_nobody' }, 'active', PRICE_PRO));
    expect(unknownCustomer.res.status).toBe(200);
    expect(unknownCustomer.body.outcome).toBe('ignored');
    const unknownType = await deliver({ type: 'customer.tax_id.created', object: { id: 'txi_1', customer: 'cus_nobody' } });
    expect(unknownType.body.outcome).toBe('ignored');
    const rows = await h.raw.query<{ outcome: string }>('select outcome from stripe_events where id in ($1, $2)', [unknownCustomer.id, unknownType.id]);
    expect(rows.map((r) => r.outcome)).toEqual(['ignored', 'ignored']);
  });

  it('metadata naming another tenant is ignored: only the customer link decides', async () => {
    const owner = await linkedTenant('wh-owner');
    const victim = await registerTenant(h, 'wh-victim');
    const evt = subEvent('created', owner, 'active', PRICE_ENTERPRISE, now(), { metadata: { tenant_id: victim.tenantId } });
    expect((await deliver(evt)).body.outcome).toBe('applied');
    expect((await billingOf(owner.tenantId)).plan).toBe('enterprise');
    expect((await billingOf(victim.tenantId)).plan).toBe('free');

    // Unknown customer whose metadata names a tenant: still ignored.
    const stray = await deliver(
      subEvent('created', { customer: 'cus_stray', subscription: 'sub_stray' }, 'active', PRICE_ENTERPRISE, now(), {
        metadata: { tenant_id: victim.tenantId },
      }),
    );
    expect(stray.body.outcome).toBe('ignored');
    expect(await billingOf(victim.tenantId)).toMatchObject({ plan: 'free', subscription_status: null, stripe_customer_id: null });
    expect(await auditActions(victim.tenantId)).toEqual([]);
  });

  it('checkout.session.completed links through client_reference_id, never relinking a tenant to another customer', async () => {
    const t = await registerTenant(h, 'wh-checkout');
    const session = (customer: string, subscription: string, ref = t.tenantId) => ({
      type: 'checkout.session.completed',
      object: {
        id: `cs_${customer}`,
        object: 'checkout.session',
        mode: 'subscription',
        client_reference_id: ref,
        customer,
        subscription,
        metadata: { tenant_id: 'ignored' },
      },
    });
    expect((await deliver(session('cus_first', 'sub_first'))).body.outcome).toBe('applied');
    expect(await billingOf(t.tenantId)).toMatchObject({ stripe_customer_id: 'cus_first', stripe_subscription_id: 'sub_first', plan: 'free' });
    expect((await deliver(session('cus_other', 'sub_other'))).body.outcome).toBe('ignored');
    expect((await billingOf(t.tenantId)).stripe_customer_id).toBe('cus_first');
    // A customer already linked to one tenant cannot be linked to a second one.
    const other = await registerTenant(h, 'wh-checkout-2');
    expect((await deliver(session('cus_first', 'sub_x', other.tenantId))).body.outcome).toBe('ignored');
    expect((await billingOf(other.tenantId)).stripe_customer_id).toBeNull();
  });
});

describe('out-of-order delivery', () => {
  it('an event older than the stored state changes nothing', async () => {
    const t = await linkedTenant('wh-order');
    const newer = await deliver(subEvent('updated', t, 'past_due', PRICE_PRO, now() - 10));
    const older = await deliver(subEvent('updated', t, 'active', PRICE_ENTERPRISE, now() - 20));
    expect(newer.body.outcome).toBe('applied');
    expect(older.body.outcome).toBe('stale');
    expect(await billingOf(t.tenantId)).toMatchObject({ plan: 'pro', subscription_status: 'past_due' });
    expect((await h.raw.query('select outcome from stripe_events where id = $1', [older.id]))[0]).toEqual({ outcome: 'stale' });
    // In order, the same pair applies both.
    const u = await linkedTenant('wh-order-2');
    await deliver(subEvent('updated', u, 'active', PRICE_ENTERPRISE, now() - 20));
    await deliver(subEvent('updated', u, 'past_due', PRICE_PRO, now() - 10));
    expect(await billingOf(u.tenantId)).toMatchObject({ plan: 'pro', subscription_status: 'past_due' });
  });

  it('subscription events delivered before checkout.session.completed still reach the tenant (the customer is linked at checkout creation)', async () => {
    const t = await linkedTenant('wh-early');
    await h.raw.query('update tenants set stripe_subscription_id = null where id = $1', [t.tenantId]);
    expect((await deliver(subEvent('created', t, 'active', PRICE_PRO, now() - 5))).body.outcome).toBe('applied');
    const completed = await deliver({
      type: 'checkout.session.completed',
      created: now() - 4,
      object: { id: 'cs_early', mode: 'subscription', client_reference_id: t.tenantId, customer: t.customer, subscription: t.subscription },
    });
    expect(completed.body.outcome).toBe('applied');
    expect(await billingOf(t.tenantId)).toMatchObject({ plan: 'pro', subscription_status: 'active', stripe_subscription_id: t.subscription });
  });
});

describe('state transitions', () => {
  const invoice = (
    type: 'invoice.paid' | 'invoice.payment_failed',
    t: { customer: string; subscription: string },
    created = now(),
    extra: Record<string, unknown> = {},
  ) => ({
    type,
    created,
    object: {
      id: `in_${crypto.randomUUID().slice(0, 8)}`,
      object: 'invoice',
      customer: t.customer,
      billing_reason: 'subscription_cycle',
      amount_paid: 9900,
      amount_due: 9900,
      currency: 'usd',
      attempt_count: 1,
      parent: { type: 'subscription_details', subscription_details: { subscription: t.subscription } },
      ...extra,
    },
  });

  it('active → past_due (within grace: writes allowed) → paid → canceled (free limits, data kept)', async () => {
    const t = await linkedTenant('wh-life');
    const base = now();
    await deliver(subEvent('created', t, 'active', PRICE_PRO, base - 50));
    expect(await billingOf(t.tenantId)).toMatchObject({ plan: 'pro', subscription_status: 'active', stripe_subscription_id: t.subscription });
    expect((await billingOf(t.tenantId)).current_period_end).toEqual(new Date(1_900_000_000 * 1000));
    await fillLeadsAndContacts(h, t.tenantId, 150, 0);
    expect((await h.request('POST', '/api/leads', { token: t.token, body: { lastName: 'Pro lead' } })).status).toBe(201);

    const failed = await deliver(invoice('invoice.payment_failed', t, base - 40));
    expect(failed.body.outcome).toBe('applied');
    const pastDue = await billingOf(t.tenantId);
    expect(pastDue).toMatchObject({ subscription_status: 'past_due', plan: 'pro' });
    expect(pastDue.past_due_since).toEqual(new Date((base - 40) * 1000));
    // Inside the grace period writes still work.
    expect((await h.request('POST', '/api/leads', { token: t.token, body: { lastName: 'Grace lead' } })).status).toBe(201);

    // Stripe's own past_due update keeps the first failure time.
    await deliver(subEvent('updated', t, 'past_due', PRICE_PRO, base - 30));
    expect((await billingOf(t.tenantId)).past_due_since).toEqual(new Date((base - 40) * 1000));

    await deliver(invoice('invoice.paid', t, base - 20));
    expect(await billingOf(t.tenantId)).toMatchObject({ subscription_status: 'active', past_due_since: null });

    await deliver(subEvent('deleted', t, 'canceled', PRICE_PRO, base - 10));
    expect(await billingOf(t.tenantId)).toMatchObject({ plan: 'free', subscription_status: 'canceled' });
    // Free limits again: over-limit data stays readable, new creates are refused.
    const list = await json(await h.request('GET', '/api/leads?include=total&limit=1', { token: t.token }));
    expect(list.pagination.total).toBe(152);
    const refused = await h.request('POST', '/api/leads', { token: t.token, body: { lastName: 'Free again' } });
    expect(refused.status).toBe(402);
    expect((await json(refused)).error).toBe('plan_limit_reached');

    expect(await auditActions(t.tenantId)).toEqual([
      'system:billing.subscription.created',
      'system:billing.invoice_payment_failed',
      'system:billing.subscription.updated',
      'system:billing.invoice_paid',
      'system:billing.subscription.deleted',
    ]);
  });

  it('past_due beyond the grace period: reads work, writes are 402 subscription_past_due, billing stays reachable', async () => {
    const t = await linkedTenant('wh-overdue');
    await deliver(subEvent('created', t, 'active', PRICE_PRO, now() - 9 * 86_400));
    await deliver(subEvent('updated', t, 'past_due', PRICE_PRO, now() - 8 * 86_400));
    expect((await h.request('GET', '/api/leads', { token: t.token })).status).toBe(200);
    const write = await h.request('POST', '/api/leads', { token: t.token, body: { lastName: 'Blocked' } });
    expect(write.status).toBe(402);
    expect(await json(write)).toMatchObject({ error: 'subscription_past_due', message: expect.stringContaining('/api/billing/portal') });
    const billing = await h.request('GET', '/api/billing', { token: t.token });
    expect(billing.status).toBe(200);
    expect((await json(billing)).data).toMatchObject({ plan: 'pro', writesBlocked: true, subscription: { status: 'past_due' } });
    expect((await h.request('POST', '/api/billing/portal', { token: t.token })).status).toBe(200);
    // Paying restores writes at once.
    await deliver(invoice('invoice.paid', t));
    expect((await h.request('POST', '/api/leads', { token: t.token, body: { lastName: 'Paid' } })).status).toBe(201);
  });

  it('trialing grants the plan; a failed first invoice does not mark past_due; an unknown price keeps the plan', async () => {
    const t = await linkedTenant('wh-trial');
    await deliver(subEvent('created', t, 'trialing', PRICE_ENTERPRISE, now() - 30));
    expect(await billingOf(t.tenantId)).toMatchObject({ plan: 'enterprise', subscription_status: 'trialing' });
    const first = await deliver(invoice('invoice.payment_failed', t, now() - 20, { billing_reason: 'subscription_create' }));
    expect(first.body.outcome).toBe('applied');
    expect((await billingOf(t.tenantId)).subscription_status).toBe('trialing');
    await deliver(subEvent('updated', t, 'active', 'price_not_configured', now() - 10));
    expect(await billingOf(t.tenantId)).toMatchObject({ plan: 'enterprise', subscription_status: 'active' });
    expect(h.logs.some((l) => l.includes('subscription price matches no plan'))).toBe(true);
  });

  it('the end of a replaced subscription does not end the current one', async () => {
    const t = await linkedTenant('wh-replaced');
    await deliver(subEvent('created', t, 'active', PRICE_PRO, now() - 30));
    const old = await deliver(subEvent('deleted', { customer: t.customer, subscription: 'sub_previous' }, 'canceled', PRICE_PRO, now() - 10));
    expect(old.body.outcome).toBe('ignored');
    expect(await billingOf(t.tenantId)).toMatchObject({ plan: 'pro', subscription_status: 'active', stripe_subscription_id: t.subscription });
  });

  it('stores and logs no card data', async () => {
    const t = await linkedTenant('wh-card');
    await deliver(subEvent('created', t, 'active', PRICE_PRO, now() - 10));
    await deliver(
      invoice('invoice.paid', t, now(), {
        customer_email: 'payer@wh-card.example',
        payment_intent: {
          id: 'pi_1',
          payment_method: { card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, fingerprint: 'fp_card_secret' } },
        },
      }),
    );
    const stored = JSON.stringify([
      await h.raw.query('select changes from audit_logs where tenant_id = $1', [t.tenantId]),
      await h.raw.query('select * from stripe_events'),
      await h.raw.query('select * from tenants where id = $1', [t.tenantId]),
    ]);
    expect(stored).not.toMatch(/last4|fp_card_secret|exp_year/);
    expect(h.logs.join('\n')).not.toMatch(/last4|fp_card_secret|exp_year/);
  });
});

describe('without a webhook secret', () => {
  it('answers 503 (Stripe retries) instead of accepting unsigned events', async () => {
    const bare = await createHarness();
    const signed = await signedEvent({ type: 'ping.unknown', object: {} });
    const res = await bare.request('POST', '/api/webhooks/stripe', { body: signed.payload, headers: { 'stripe-signature': signed.signature } });
    expect(res.status).toBe(503);
    expect((await json(res)).error).toBe('service_unavailable');
  });
});
