import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerTenant } from '../billing-tenants.ts';
import { createHarness, type Harness, json } from '../harness.ts';
import { PRICE_ENTERPRISE, PRICE_PRO, type StripeFixture, startStripeFixture } from '../stripe-fixture.ts';

/**
 * Billing routes with the real Stripe SDK end to end: its API calls go to a
 * local fixture (STRIPE_API_HOST/PORT/PROTOCOL) that records what the SDK
 * sent, so the tests assert Stripe's view of each request.
 */
let h: Harness;
let stripe: StripeFixture;
beforeAll(async () => {
  stripe = await startStripeFixture();
  h = await createHarness({ ...stripe.env, APP_URL: 'https://app.crm.test' });
});
beforeEach(() => {
  stripe.requests.length = 0;
});

const only = (path: string) => stripe.requests.filter((r) => r.path === path);

describe('GET /api/billing', () => {
  it('shows plan, subscription, usage against limits and features', async () => {
    const t = await registerTenant(h, 'bill-state');
    await h.raw.query(`insert into leads (tenant_id, last_name) select $1, 'L' || g from generate_series(1, 7) g`, [t.tenantId]);
    await h.raw.query(`insert into contacts (tenant_id, last_name) values ($1, 'C')`, [t.tenantId]);
    const res = await h.request('GET', '/api/billing', { token: t.token });
    expect(res.status).toBe(200);
    expect((await json(res)).data).toEqual({
      plan: 'free',
      planOverride: null,
      subscription: null,
      writesBlocked: false,
      usage: { users: { used: 1, limit: 1 }, leadsAndContacts: { used: 8, limit: 100 } },
      features: { customFields: false, apiKeys: false },
      billingAccount: false,
    });

    await h.raw.query(
      `update tenants set plan = 'pro', subscription_status = 'active', current_period_end = '2030-01-31T00:00:00Z', stripe_customer_id = 'cus_state' where id = $1`,
      [t.tenantId],
    );
    const pro = (await json(await h.request('GET', '/api/billing', { token: t.token }))).data;
    expect(pro).toMatchObject({
      plan: 'pro',
      subscription: { status: 'active', currentPeriodEnd: '2030-01-31T00:00:00.000Z', pastDueSince: null },
      usage: { users: { used: 1, limit: 10 }, leadsAndContacts: { used: 8, limit: null } },
      billingAccount: true,
    });
  });

  it('is for tenant admins only', async () => {
    for (const role of ['manager', 'sales_user', 'support_user', 'read_only'] as const) {
      const { accessToken } = await h.login('acme', role);
      for (const [method, path] of [
        ['GET', '/api/billing'],
        ['POST', '/api/billing/checkout'],
        ['POST', '/api/billing/portal'],
      ] as const) {
        const res = await h.request(method, path, { token: accessToken, ...(path.endsWith('checkout') && { body: { plan: 'pro' } }) });
        expect(res.status, `${role} ${method} ${path}`).toBe(403);
        expect((await json(res)).error).toBe('insufficient_permissions');
      }
    }
    expect((await h.request('GET', '/api/billing')).status).toBe(401);
    expect(stripe.requests).toEqual([]);
  });
});

describe('POST /api/billing/checkout', () => {
  it('creates the customer (tenant id in its metadata), links it, and opens a subscription Checkout Session for the plan price', async () => {
    const t = await registerTenant(h, 'bill-checkout');
    const res = await h.request('POST', '/api/billing/checkout', { token: t.token, body: { plan: 'pro' } });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data.url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_fixture/);

    const [customer] = only('/v1/customers');
    expect(customer).toMatchObject({
      method: 'POST',
      params: {
        name: 'Tenant bill-checkout',
        email: 'owner@bill-checkout.example',
        'metadata[tenant_id]': t.tenantId,
        'metadata[tenant_slug]': 'bill-checkout',
      },
    });
    expect(customer!.headers['idempotency-key']).toBe(`tenant-customer-${t.tenantId}`);
    expect(customer!.headers.authorization).toBe(`Bearer ${stripe.env.STRIPE_SECRET_KEY}`);
    const [tenantRow] = await h.raw.query<{ stripe_customer_id: string }>('select stripe_customer_id from tenants where id = $1', [t.tenantId]);
    const linked = tenantRow!.stripe_customer_id;
    expect(linked).toMatch(/^cus_fixture/);

    const [session] = only('/v1/checkout/sessions');
    expect(session!.params).toEqual({
      mode: 'subscription',
      customer: linked,
      client_reference_id: t.tenantId,
      'line_items[0][price]': PRICE_PRO,
      'line_items[0][quantity]': '1',
      success_url: 'https://app.crm.test/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.crm.test/billing?checkout=canceled',
      'metadata[tenant_id]': t.tenantId,
      'subscription_data[metadata][tenant_id]': t.tenantId,
    });
    expect(data.sessionId).toMatch(/^cs_test_fixture/);

    // A second checkout reuses the linked customer.
    stripe.requests.length = 0;
    expect((await h.request('POST', '/api/billing/checkout', { token: t.token, body: { plan: 'enterprise' } })).status).toBe(200);
    expect(only('/v1/customers')).toEqual([]);
    expect(only('/v1/checkout/sessions')[0]!.params).toMatchObject({ customer: linked, 'line_items[0][price]': PRICE_ENTERPRISE });

    const audit = await h.raw.query<{ action: string; changes: Record<string, unknown> }>(
      "select action, changes from audit_logs where tenant_id = $1 and action like 'billing.%' order by created_at, id",
      [t.tenantId],
    );
    expect(audit.map((a) => a.action)).toEqual(['billing.customer_linked', 'billing.checkout_started', 'billing.checkout_started']);
    expect(audit[1]!.changes).toMatchObject({ plan: 'pro', checkoutSessionId: data.sessionId });
  });

  it('validates the plan strictly', async () => {
    const t = await registerTenant(h, 'bill-validate');
    for (const body of [{ plan: 'free' }, { plan: 'gold' }, {}, { plan: 'pro', price: 'price_cheap' }]) {
      const res = await h.request('POST', '/api/billing/checkout', { token: t.token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(stripe.requests).toEqual([]);
  });

  it('is 409 once a subscription is running (plan changes go through the portal)', async () => {
    const t = await registerTenant(h, 'bill-subscribed');
    await h.raw.query(
      `update tenants set stripe_customer_id = 'cus_sub', stripe_subscription_id = 'sub_1', subscription_status = 'active', plan = 'pro' where id = $1`,
      [t.tenantId],
    );
    const res = await h.request('POST', '/api/billing/checkout', { token: t.token, body: { plan: 'enterprise' } });
    expect(res.status).toBe(409);
    expect((await json(res)).message).toMatch(/billing portal/);
    expect(stripe.requests).toEqual([]);
  });

  it('a Stripe failure is 503 and logs no request details', async () => {
    const t = await registerTenant(h, 'bill-failure');
    stripe.failNext('/v1/checkout/sessions', 500, 5);
    const res = await h.request('POST', '/api/billing/checkout', { token: t.token, body: { plan: 'pro' } });
    expect(res.status).toBe(503);
    expect((await json(res)).error).toBe('service_unavailable');
    const line = h.logs.find((l) => l.includes('stripe call failed'));
    expect(line).toContain('checkout.sessions.create');
    expect(line).not.toContain(stripe.env.STRIPE_SECRET_KEY);
    expect(line).not.toContain('owner@bill-failure.example');
  });
});

describe('POST /api/billing/portal', () => {
  it('opens a billing-portal session for the linked customer; 409 before there is one', async () => {
    const t = await registerTenant(h, 'bill-portal');
    const none = await h.request('POST', '/api/billing/portal', { token: t.token });
    expect(none.status).toBe(409);
    await h.raw.query(`update tenants set stripe_customer_id = 'cus_portal' where id = $1`, [t.tenantId]);
    const res = await h.request('POST', '/api/billing/portal', { token: t.token });
    expect(res.status).toBe(200);
    expect((await json(res)).data.url).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\//);
    expect(only('/v1/billing_portal/sessions').map((r) => r.params)).toEqual([{ customer: 'cus_portal', return_url: 'https://app.crm.test/billing' }]);
  });
});

describe('without Stripe configured', () => {
  it('checkout and portal answer 503; the billing state still reads', async () => {
    const bare = await createHarness();
    const t = await registerTenant(bare, 'bill-bare');
    expect((await bare.request('POST', '/api/billing/checkout', { token: t.token, body: { plan: 'pro' } })).status).toBe(503);
    await bare.raw.query(`update tenants set stripe_customer_id = 'cus_bare' where id = $1`, [t.tenantId]);
    expect((await bare.request('POST', '/api/billing/portal', { token: t.token })).status).toBe(503);
    expect((await bare.request('GET', '/api/billing', { token: t.token })).status).toBe(200);
  });
});
