import { beforeAll, describe, expect, it } from 'vitest';
import { fillLeadsAndContacts, registerTenant } from '../billing-tenants.ts';
import { createHarness, type Harness, json, TEST_ENV } from '../harness.ts';

/** The platform operators' API: its own credential, every action audited in the affected tenant. */
let h: Harness;
const key = { authorization: `Bearer ${TEST_ENV.PLATFORM_ADMIN_KEY}` };
beforeAll(async () => {
  h = await createHarness();
});

const patch = (tenant: string, body: unknown) => h.request('PATCH', `/api/platform/tenants/${tenant}`, { headers: key, body });

describe('authentication', () => {
  it('refuses a missing, wrong, truncated or tenant credential with 401', async () => {
    const admin = await h.login('acme', 'tenant_admin');
    const attempts: Record<string, string | undefined> = {
      missing: undefined,
      wrong: 'Bearer not-the-platform-key-but-just-as-long-000',
      truncated: `Bearer ${TEST_ENV.PLATFORM_ADMIN_KEY.slice(0, -1)}`,
      extended: `Bearer ${TEST_ENV.PLATFORM_ADMIN_KEY}x`,
      'no scheme': TEST_ENV.PLATFORM_ADMIN_KEY,
      'tenant admin JWT': `Bearer ${admin.accessToken}`,
    };
    for (const [name, authorization] of Object.entries(attempts)) {
      const headers = authorization ? { authorization } : undefined;
      for (const [method, path, body] of [
        ['GET', '/api/platform/tenants', undefined],
        ['GET', '/api/platform/tenants/acme', undefined],
        ['PATCH', '/api/platform/tenants/acme', { status: 'suspended' }],
      ] as const) {
        const res = await h.request(method, path, { headers, body });
        expect(res.status, `${name}: ${method} ${path}`).toBe(401);
        expect((await json(res)).error).toBe('unauthorized');
      }
    }
    // The key is not accepted in the query string either.
    expect((await h.request('GET', `/api/platform/tenants?key=${TEST_ENV.PLATFORM_ADMIN_KEY}`)).status).toBe(401);
    const [acme] = await h.raw.query<{ status: string }>("select status from tenants where slug = 'acme'");
    expect(acme?.status).toBe('active');
  });

  it('the platform key is no tenant credential', async () => {
    const res = await h.request('GET', '/api/leads', { headers: { ...key, 'x-tenant-id': 'acme' } });
    expect(res.status).toBe(401);
  });
});

describe('listing tenants', () => {
  it('pages through every tenant with plan, subscription and usage', async () => {
    const t = await registerTenant(h, 'plat-list');
    await fillLeadsAndContacts(h, t.tenantId, 3, 2);
    const seen: Record<string, any>[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.request('GET', `/api/platform/tenants?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { headers: key });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.data.length).toBeLessThanOrEqual(1);
      seen.push(...body.data);
      cursor = body.pagination.nextCursor;
    } while (cursor);
    const [count] = await h.raw.query<{ n: number }>('select count(*)::int as n from tenants');
    const n = count!.n;
    expect(seen).toHaveLength(n);
    expect(new Set(seen.map((s) => s.id)).size).toBe(n);
    expect(seen.find((s) => s.slug === 'plat-list')).toMatchObject({
      status: 'active',
      plan: 'free',
      planOverride: null,
      subscription: null,
      stripeCustomerId: null,
      usage: { users: { used: 1, limit: 1 }, leadsAndContacts: { used: 5, limit: 100 } },
    });
    const acme = seen.find((s) => s.slug === 'acme')!;
    expect(acme.plan).toBe('enterprise');
    expect(acme.usage.users.limit).toBeNull();
    expect(acme.usage.users.used).toBeGreaterThanOrEqual(5);
  });

  it('filters by status and effective plan; strict query', async () => {
    const t = await registerTenant(h, 'plat-filter');
    await patch(t.tenantId, { planOverride: 'pro' });
    const pro = await json(await h.request('GET', '/api/platform/tenants?plan=pro&limit=100', { headers: key }));
    expect(pro.data.map((d: { slug: string }) => d.slug)).toContain('plat-filter');
    expect(pro.data.every((d: { plan: string }) => d.plan === 'pro')).toBe(true);
    expect((await h.request('GET', '/api/platform/tenants?plan=gold', { headers: key })).status).toBe(400);
    expect((await h.request('GET', '/api/platform/tenants?sort=slug', { headers: key })).status).toBe(400);
    expect((await h.request('GET', '/api/platform/tenants/no-such-tenant', { headers: key })).status).toBe(404);
  });
});

describe('suspension', () => {
  it('suspended: 403 tenant_suspended on CRM and user routes, billing still reachable; reactivation restores access; both audited', async () => {
    const t = await registerTenant(h, 'plat-suspend');
    const res = await patch('plat-suspend', { status: 'suspended', reason: 'chargeback' });
    expect(res.status).toBe(200);
    expect((await json(res)).data.status).toBe('suspended');

    for (const [method, path, body] of [
      ['GET', '/api/leads', undefined],
      ['POST', '/api/contacts', { lastName: 'x' }],
      ['GET', '/api/accounts', undefined],
      ['GET', '/api/users', undefined],
    ] as const) {
      const r = await h.request(method, path, { token: t.token, body });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect((await json(r)).error).toBe('tenant_suspended');
    }
    expect((await h.request('GET', '/api/billing', { token: t.token })).status).toBe(200);

    expect((await patch(t.tenantId, { status: 'active' })).status).toBe(200);
    expect((await h.request('GET', '/api/leads', { token: t.token })).status).toBe(200);

    const audit = await h.raw.query<{ action: string; actor_type: string; actor_id: string | null; changes: Record<string, unknown>; request_id: string }>(
      "select action, actor_type, actor_id, changes, request_id from audit_logs where tenant_id = $1 and action like 'tenant.%' and action <> 'tenant.registered' order by created_at, id",
      [t.tenantId],
    );
    expect(audit.map((a) => [a.action, a.actor_type, a.actor_id])).toEqual([
      ['tenant.suspended', 'platform', null],
      ['tenant.reactivated', 'platform', null],
    ]);
    expect(audit[0]!.changes).toEqual({ before: { status: 'active' }, after: { status: 'suspended' }, reason: 'chargeback' });
    expect(audit[0]!.request_id).toBeTruthy();
  });
});

describe('plan override', () => {
  it('is effective on the next request, wins over the subscription, and clears back to it', async () => {
    const t = await registerTenant(h, 'plat-override');
    await h.raw.query(`update tenants set plan = 'pro', subscription_status = 'active' where id = $1`, [t.tenantId]);
    const define = () => h.request('POST', '/api/custom-fields', { token: t.token, body: { resource: 'contacts', key: 'vip', label: 'VIP', type: 'boolean' } });
    expect((await define()).status).toBe(403);
    const set = await patch(t.tenantId, { planOverride: 'enterprise', reason: 'design partner' });
    expect((await json(set)).data).toMatchObject({ plan: 'enterprise', planOverride: 'enterprise', usage: { users: { limit: null } } });
    expect((await define()).status).toBe(201);
    const me = await json(await h.request('GET', '/api/auth/me', { token: t.token }));
    expect(me.data.tenant.plan).toBe('enterprise');
    const cleared = await patch(t.tenantId, { planOverride: null });
    expect((await json(cleared)).data).toMatchObject({ plan: 'pro', planOverride: null });
    expect((await json(await h.request('GET', '/api/billing', { token: t.token }))).data.plan).toBe('pro');
    const actions = await h.raw.query<{ action: string }>(
      "select action from audit_logs where tenant_id = $1 and actor_type = 'platform' order by created_at, id",
      [t.tenantId],
    );
    expect(actions.map((a) => a.action)).toEqual(['tenant.plan_override_set', 'tenant.plan_override_cleared']);
  });

  it('validates the body strictly and writes nothing for a no-op', async () => {
    const t = await registerTenant(h, 'plat-validate');
    for (const body of [{}, { planOverride: 'gold' }, { status: 'deleted' }, { plan: 'pro' }, { status: 'active', tenantId: t.tenantId }]) {
      expect((await patch(t.tenantId, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await patch(t.tenantId, { status: 'active', planOverride: null })).status).toBe(200);
    const rows = await h.raw.query("select 1 from audit_logs where tenant_id = $1 and actor_type = 'platform'", [t.tenantId]);
    expect(rows).toEqual([]);
  });
});
