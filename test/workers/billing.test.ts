import { exports } from 'cloudflare:workers';
import Stripe from 'stripe';
import { beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * Billing inside workerd: the Stripe SDK's worker build verifies signatures
 * with SubtleCrypto, the webhook's interactive transaction runs over the Neon
 * WebSocket driver, and the platform API suspends a tenant.
 */
const { skip, bindings } = inject('workers');

async function call(method: string, path: string, init: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string } = {}) {
  const headers = new Headers({ 'CF-Connecting-IP': '203.0.113.9', ...init.headers });
  if (init.body !== undefined || init.raw !== undefined) headers.set('Content-Type', 'application/json');
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const res = await exports.default.fetch(new Request(`http://localhost${path}`, { method, headers, body }));
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function webhook(type: string, object: Record<string, unknown>, secret = bindings.STRIPE_WEBHOOK_SECRET as string) {
  const payload = JSON.stringify(
    { id: `evt_${crypto.randomUUID().replaceAll('-', '')}`, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } },
    null,
    2,
  );
  const signature = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret });
  return { payload, signature, send: () => call('POST', '/api/webhooks/stripe', { raw: payload, headers: { 'Stripe-Signature': signature } }) };
}

describe.skipIf(skip)('billing on workerd', () => {
  let token: string;
  let tenantId: string;

  beforeAll(async () => {
    const res = await call('POST', '/api/auth/register', {
      body: { tenantName: 'Worker billing', tenantSlug: 'wk-billing', name: 'Bo Admin', email: 'bo@wk-billing.example', password: 'worker-tests-Pa55phrase' },
    });
    expect(res.status).toBe(201);
    token = res.body.data.tokens.accessToken;
    tenantId = res.body.data.tenant.id;
  });

  it('verifies signed webhooks and applies checkout + subscription exactly once', async () => {
    const bad = await webhook('checkout.session.completed', {}, 'whsec_wrong');
    expect((await bad.send()).status).toBe(400);

    const linked = await webhook('checkout.session.completed', {
      id: 'cs_wk',
      mode: 'subscription',
      client_reference_id: tenantId,
      customer: 'cus_wk',
      subscription: 'sub_wk',
    });
    expect((await linked.send()).body.data.outcome).toBe('applied');
    const sub = await webhook('customer.subscription.created', {
      id: 'sub_wk',
      customer: 'cus_wk',
      status: 'active',
      items: { data: [{ price: { id: bindings.STRIPE_PRICE_ENTERPRISE }, current_period_end: 1_900_000_000 }] },
    });
    expect((await sub.send()).body.data.outcome).toBe('applied');
    expect((await sub.send()).body.data.outcome).toBe('duplicate');

    const billing = await call('GET', '/api/billing', { token });
    expect(billing.status).toBe(200);
    expect(billing.body.data).toMatchObject({
      plan: 'enterprise',
      subscription: { status: 'active', currentPeriodEnd: '2030-03-17T17:46:40.000Z' },
      billingAccount: true,
    });
  });

  it('platform operators suspend a tenant: CRM routes 403, billing reachable', async () => {
    const platform = { Authorization: `Bearer ${bindings.PLATFORM_ADMIN_KEY}` };
    expect((await call('PATCH', '/api/platform/tenants/wk-billing', { headers: platform, body: { status: 'suspended' } })).status).toBe(200);
    const leads = await call('GET', '/api/leads', { token });
    expect(leads.status).toBe(403);
    expect(leads.body.error).toBe('tenant_suspended');
    expect((await call('GET', '/api/billing', { token })).status).toBe(200);
    expect((await call('PATCH', '/api/platform/tenants/wk-billing', { headers: platform, body: { status: 'active' } })).status).toBe(200);
    expect((await call('GET', '/api/leads', { token })).status).toBe(200);
  });
});
