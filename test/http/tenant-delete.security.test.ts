import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DEMO_PASSWORD, type Harness, json } from '../harness.ts';
import { type StripeFixture, startStripeFixture } from '../stripe-fixture.ts';
import { fillTenant } from '../tenant-fill.ts';
import { tenantRowCounts, tenantTableNames } from '../tenant-tables.ts';

/**
 * DELETE /api/tenant on the two demo tenants: refusals change nothing, Stripe
 * is canceled first (a Stripe failure deletes nothing), and a deletion leaves
 * zero rows of the tenant in every tenant table (enumerated from the catalog)
 * while the other tenant's counts stay exactly as they were.
 */
let h: Harness;
let stripe: StripeFixture;
let acme: Awaited<ReturnType<typeof fillTenant>>;
let before: { acme: Record<string, number>; other: Record<string, number> };
const SUBSCRIPTION = 'sub_fixture_acme';

beforeAll(async () => {
  stripe = await startStripeFixture();
  h = await createHarness(stripe.env);
  acme = await fillTenant(h, 'acme', 0);
  await fillTenant(h, 'mycompany', 1);
  await h.raw.query(`update tenants set stripe_customer_id = 'cus_acme', stripe_subscription_id = $2, subscription_status = 'active' where id = $1`, [
    acme.tenantId,
    SUBSCRIPTION,
  ]);
  before = { acme: await tenantRowCounts(h, acme.tenantId), other: await tenantRowCounts(h, await h.tenantId('mycompany')) };
});

const expectUnchanged = async () => {
  expect(await tenantRowCounts(h, acme.tenantId)).toEqual(before.acme);
  expect(await tenantRowCounts(h, await h.tenantId('mycompany'))).toEqual(before.other);
};

describe('DELETE /api/tenant refusals', () => {
  it("every tenant table's foreign key to tenants cascades (what the deletion relies on)", async () => {
    const keys = await h.raw.query<{ table: string; action: string }>(
      `select conrelid::regclass::text as table, confdeltype as action from pg_constraint where contype = 'f' and confrelid = 'tenants'::regclass`,
    );
    expect(keys.filter((k) => k.action !== 'c')).toEqual([]);
    const tables = await tenantTableNames(h);
    expect(tables.filter((t) => !keys.some((k) => k.table === t))).toEqual([]);
  });

  it('the fill gave the tenant rows in every table that matters', () => {
    for (const table of [
      'tenants',
      'users',
      'refresh_tokens',
      'invitations',
      'api_keys',
      'idempotency_keys',
      'security_events',
      'audit_logs',
      'leads',
      'contacts',
      'accounts',
      'deals',
      'pipelines',
      'stages',
      'activities',
      'custom_field_definitions',
    ]) {
      expect(before.acme[table], table).toBeGreaterThan(0);
    }
  });

  it('wrong or missing confirmation: 400 validation_error, nothing deleted, Stripe not called', async () => {
    for (const body of [{ confirm: 'mycompany' }, { confirm: 'ACME' }, { confirm: 'acme ' }, {}, { confirm: 'acme', extra: 1 }]) {
      const res = await h.request('DELETE', '/api/tenant', { token: acme.admin.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json(res)).error).toBe('validation_error');
    }
    expect(stripe.requests).toEqual([]);
    await expectUnchanged();
  });

  it('every role but tenant_admin: 403, and so is an API key without tenant:admin', async () => {
    for (const role of ['manager', 'sales_user', 'support_user', 'read_only'] as const) {
      const { accessToken } = await h.login('acme', role);
      const res = await h.request('DELETE', '/api/tenant', { token: accessToken, body: { confirm: 'acme' } });
      expect(res.status, role).toBe(403);
      expect((await json(res)).error).toBe('insufficient_permissions');
    }
    const created = await h.request('POST', '/api/api-keys', { token: acme.admin.accessToken, body: { name: 'data only', scopes: ['*'] } });
    const { secret } = (await json(created)).data;
    expect((await h.request('DELETE', '/api/tenant', { token: secret, body: { confirm: 'acme' } })).status).toBe(403);
    expect((await h.request('DELETE', '/api/tenant', { body: { confirm: 'acme' } })).status).toBe(401);
    await h.raw.query('delete from api_keys where tenant_id = $1 and name = $2', [acme.tenantId, 'data only']);
    await h.raw.query(`delete from audit_logs where tenant_id = $1 and action = 'api_key.created' and changes->'after'->>'name' = 'data only'`, [
      acme.tenantId,
    ]);
    expect(stripe.requests).toEqual([]);
  });

  it("an admin of the other tenant cannot name this one: the slug is checked against the caller's own tenant", async () => {
    const other = await h.login('mycompany', 'tenant_admin');
    const res = await h.request('DELETE', '/api/tenant', { token: other.accessToken, body: { confirm: 'acme' } });
    expect(res.status).toBe(400);
    const mismatch = await h.request('DELETE', '/api/tenant', { token: other.accessToken, body: { confirm: 'acme' }, headers: { 'x-tenant-id': 'acme' } });
    expect(mismatch.status).toBe(403);
    // Both attempts leave traces (a login, a security event each side): re-baseline, then check acme's data is whole.
    before = { acme: await tenantRowCounts(h, acme.tenantId), other: await tenantRowCounts(h, await h.tenantId('mycompany')) };
    expect(before.acme.leads).toBe(11);
  });

  it('Stripe failing: 503, nothing deleted', async () => {
    stripe.failNext(`/v1/subscriptions/${SUBSCRIPTION}`, 500, 5);
    const res = await h.request('DELETE', '/api/tenant', { token: acme.admin.accessToken, body: { confirm: 'acme' } });
    expect(res.status).toBe(503);
    expect((await json(res)).error).toBe('service_unavailable');
    expect(stripe.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/subscriptions/${SUBSCRIPTION}`)).toBe(true);
    // The SDK retried (all failed); clear what is left of the failures for the next test.
    stripe.failNext(`/v1/subscriptions/${SUBSCRIPTION}`, 500, 0);
    stripe.requests.length = 0;
    await expectUnchanged();
  });
});

describe('DELETE /api/tenant', () => {
  it('cancels the subscription, then deletes every row of the tenant and nothing of the other', async () => {
    const refreshToken = acme.admin.refreshToken;
    // Both credentials verified just before (and so held by the principal cache, if it is on).
    expect((await h.request('GET', '/api/leads', { token: acme.admin.accessToken })).status).toBe(200);
    expect((await h.request('GET', '/api/leads', { token: acme.apiKey })).status).toBe(200);
    const res = await h.request('DELETE', '/api/tenant', { token: acme.admin.accessToken, body: { confirm: 'acme' } });
    // Checked before any owner-level query (which would reset the test's cache): they fail closed at once.
    expect((await h.request('GET', '/api/leads', { token: acme.admin.accessToken })).status).toBe(401);
    expect((await h.request('GET', '/api/leads', { token: acme.apiKey })).status).toBe(401);
    expect(res.status, await res.clone().text()).toBe(200);
    const { data } = await json(res);
    expect(data).toMatchObject({ tenantId: acme.tenantId, subscriptionCanceled: true });
    expect(stripe.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /v1/subscriptions/${SUBSCRIPTION}`]);

    // The response counts what was there, table by table.
    for (const table of await tenantTableNames(h)) expect(data.deleted[table] ?? 0, table).toBe(before.acme[table]);
    expect(data.deleted.tenants).toBe(1);

    const after = await tenantRowCounts(h, acme.tenantId);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before.acme).sort());
    for (const [table, n] of Object.entries(after)) expect(n, table).toBe(0);
    expect(await tenantRowCounts(h, await h.tenantId('mycompany'))).toEqual(before.other);

    // Every credential the tenant issued fails closed.
    expect((await h.request('GET', '/api/leads', { token: acme.admin.accessToken })).status).toBe(401);
    expect((await h.request('GET', '/api/auth/me', { token: acme.admin.accessToken })).status).toBe(401);
    expect((await h.request('GET', '/api/leads', { token: acme.apiKey })).status).toBe(401);
    expect((await h.request('POST', '/api/auth/refresh', { body: { refreshToken } })).status).toBe(401);
    const login = await h.request('POST', '/api/auth/login', { body: { email: 'admin@acme.example', password: DEMO_PASSWORD, tenant: 'acme' } });
    expect(login.status).toBe(401);
    const invitationToken = new URL(acme.acceptUrl).searchParams.get('token');
    const accept = await h.request('POST', '/api/auth/invitations/accept', { body: { token: invitationToken, password: 'Another-long-passphrase-7' } });
    expect([401, 404]).toContain(accept.status);

    // The lasting record is a log line with ids and counts, no personal data.
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'tenant.deleted');
    expect(line).toMatchObject({ level: 'info', tenantId: acme.tenantId, actorType: 'user', actorId: acme.admin.userId, subscriptionCanceled: true });
    expect(line.deleted.leads).toBe(before.acme.leads);
    expect(JSON.stringify(line)).not.toMatch(/@acme\.example|Acme/);

    // The other tenant works as before.
    const other = await h.login('mycompany', 'tenant_admin');
    expect((await h.request('GET', '/api/leads', { token: other.accessToken })).status).toBe(200);
  });
});
