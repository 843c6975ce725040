import { beforeAll, describe, expect, it } from 'vitest';
import { countLeadsAndContacts, fillLeadsAndContacts, registerTenant } from '../billing-tenants.ts';
import { createHarness, type Harness, json, TEST_ENV, usingPostgres } from '../harness.ts';

/**
 * Plan limits under concurrency. On PGlite the creates serialize (one
 * connection); on server Postgres they truly race (pool of 10), which is
 * where a count-then-insert without the tenant lock would overshoot.
 */
let h: Harness;
const platform = { authorization: `Bearer ${TEST_ENV.PLATFORM_ADMIN_KEY}` };
beforeAll(async () => {
  h = await createHarness();
});

const setOverride = (tenantId: string, planOverride: string | null) =>
  h.request('PATCH', `/api/platform/tenants/${tenantId}`, { headers: platform, body: { planOverride } });

describe(`leads + contacts limit (${usingPostgres ? 'server Postgres: real race' : 'PGlite'})`, () => {
  it('20 parallel creates at 95 end at exactly 100; the rest are 402 plan_limit_reached naming the limit', async () => {
    const t = await registerTenant(h, 'race-crm');
    await fillLeadsAndContacts(h, t.tenantId, 50, 45);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.request('POST', i % 2 ? '/api/contacts' : '/api/leads', { token: t.token, body: { lastName: `Racer ${i}` } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 402)).toHaveLength(15);
    expect(await countLeadsAndContacts(h, t.tenantId)).toBe(100);

    const refused = await json(results.find((r) => r.status === 402)!);
    expect(refused.error).toBe('plan_limit_reached');
    expect(refused.message).toMatch(/free plan allows 100 leads and contacts/);
    expect(refused.details).toEqual([{ field: 'leadsAndContacts', message: expect.stringContaining('100') }]);
  });

  it('counts leads and contacts together; over-limit data stays readable, updatable and deletable, and deleting frees room', async () => {
    const t = await registerTenant(h, 'full-crm');
    await fillLeadsAndContacts(h, t.tenantId, 100, 0);
    expect((await h.request('POST', '/api/contacts', { token: t.token, body: { lastName: 'One too many' } })).status).toBe(402);
    const list = await json(await h.request('GET', '/api/leads?limit=1', { token: t.token }));
    const id = list.data[0].id as string;
    expect((await h.request('PATCH', `/api/leads/${id}`, { token: t.token, body: { score: 10 } })).status).toBe(200);
    expect((await h.request('DELETE', `/api/leads/${id}`, { token: t.token })).status).toBe(204);
    expect((await h.request('POST', '/api/contacts', { token: t.token, body: { lastName: 'Fits again' } })).status).toBe(201);
  });

  it('pro and enterprise are unlimited; the override takes effect on the next request', async () => {
    const t = await registerTenant(h, 'upgrade-crm');
    await fillLeadsAndContacts(h, t.tenantId, 100, 0);
    expect((await h.request('POST', '/api/leads', { token: t.token, body: { lastName: 'Blocked' } })).status).toBe(402);
    expect((await setOverride(t.tenantId, 'pro')).status).toBe(200);
    expect((await h.request('POST', '/api/leads', { token: t.token, body: { lastName: 'Allowed' } })).status).toBe(201);
    expect((await setOverride(t.tenantId, null)).status).toBe(200);
    expect((await h.request('POST', '/api/leads', { token: t.token, body: { lastName: 'Blocked again' } })).status).toBe(402);
    expect(await countLeadsAndContacts(h, t.tenantId)).toBe(101);
  });
});

describe('bulk import counts against the limit', () => {
  const rows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ lastName: `Imported ${i}`, email: `${prefix}${i}@import.example` }));

  it('an import that would exceed it fails whole with 402 and writes nothing', async () => {
    const t = await registerTenant(h, 'import-whole');
    await fillLeadsAndContacts(h, t.tenantId, 60, 35);
    const res = await h.request('POST', '/api/leads/import', { token: t.token, body: rows('w', 10) });
    expect(res.status).toBe(402);
    const body = await json(res);
    expect(body.error).toBe('plan_limit_reached');
    expect(body.message).toMatch(/100 leads and contacts \(95 in use, 10 more requested\); nothing was imported/);
    expect(await countLeadsAndContacts(h, t.tenantId)).toBe(95);
  });

  it('?partial=true imports up to the limit and reports the rest as failed with the reason', async () => {
    const t = await registerTenant(h, 'import-partial');
    await fillLeadsAndContacts(h, t.tenantId, 60, 35);
    const res = await h.request('POST', '/api/contacts/import?partial=true', { token: t.token, body: rows('p', 10) });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data).toMatchObject({ created: 5, updated: 0, failed: 5 });
    expect(data.errors.map((e: { row: number }) => e.row)).toEqual([6, 7, 8, 9, 10]);
    expect(data.errors[0]).toEqual({ row: 6, field: 'leadsAndContacts', message: 'not imported: the free plan allows 100 leads and contacts' });
    expect(await countLeadsAndContacts(h, t.tenantId)).toBe(100);
    // At the limit, rows that update existing records still go through; only new ones are refused.
    const again = await h.request('POST', '/api/contacts/import?partial=true', {
      token: t.token,
      body: [
        { lastName: 'Renamed', email: 'p0@import.example' },
        { lastName: 'New', email: 'fresh@import.example' },
      ],
    });
    expect((await json(again)).data).toMatchObject({ created: 0, updated: 1, failed: 1 });
    expect(await countLeadsAndContacts(h, t.tenantId)).toBe(100);
  });
});

describe('user seats', () => {
  const invite = (token: string, email: string) => h.request('POST', '/api/users/invitations', { token, body: { email, role: 'sales_user' } });

  it('free has one seat: the owner; an invitation is refused with 402 naming user seats', async () => {
    const t = await registerTenant(h, 'seats-free');
    const res = await invite(t.token, 'second@seats-free.example');
    expect(res.status).toBe(402);
    const body = await json(res);
    expect(body.error).toBe('plan_limit_reached');
    expect(body.message).toMatch(/1 user seats/);
    expect(body.details[0].field).toBe('users');
    expect(await h.raw.query('select 1 from users where tenant_id = $1', [t.tenantId])).toHaveLength(1);
  });

  it('pro: 20 parallel invitations with 1 seat taken end at exactly 10 seats (invitations count)', async () => {
    const t = await registerTenant(h, 'seats-race');
    await setOverride(t.tenantId, 'pro');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => invite(t.token, `user${i}@seats-race.example`)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(9);
    expect(results.filter((r) => r.status === 402)).toHaveLength(11);
    const [seats] = await h.raw.query<{ n: number }>("select count(*)::int as n from users where tenant_id = $1 and status <> 'inactive'", [t.tenantId]);
    expect(seats?.n).toBe(10);
  });

  it('re-inviting a pending invitee takes no second seat; an expired invitation frees its seat; reactivation needs a seat', async () => {
    const t = await registerTenant(h, 'seats-cycle');
    await setOverride(t.tenantId, 'pro');
    for (let i = 0; i < 9; i++) expect((await invite(t.token, `u${i}@seats-cycle.example`)).status).toBe(201);
    // Full (1 owner + 9 invitations). The same invitee again: allowed, still 10 seats.
    expect((await invite(t.token, 'u0@seats-cycle.example')).status).toBe(201);
    expect((await invite(t.token, 'extra@seats-cycle.example')).status).toBe(402);
    // One invitation expires: its seat is free again.
    await h.raw.query(
      `update invitations set expires_at = now() - interval '1 minute' where user_id = (select id from users where tenant_id = $1 and email = 'u1@seats-cycle.example')`,
      [t.tenantId],
    );
    expect((await invite(t.token, 'extra@seats-cycle.example')).status).toBe(201);
    // Accept one, deactivate them (frees the seat), fill it, then reactivation is refused.
    const [u2] = await h.raw.query<{ id: string }>(`select id from users where tenant_id = $1 and email = 'u2@seats-cycle.example'`, [t.tenantId]);
    await h.raw.query(`update users set status = 'active' where id = $1`, [u2!.id]);
    expect((await h.request('PATCH', `/api/users/${u2!.id}`, { token: t.token, body: { status: 'inactive' } })).status).toBe(200);
    expect((await invite(t.token, 'filler@seats-cycle.example')).status).toBe(201);
    const reactivate = await h.request('PATCH', `/api/users/${u2!.id}`, { token: t.token, body: { status: 'active' } });
    expect(reactivate.status).toBe(402);
    expect((await json(reactivate)).details[0].field).toBe('users');
  });
});

describe('features outside the plan', () => {
  it('custom fields need Enterprise: 403 plan_feature_unavailable on free and pro, allowed with an enterprise override', async () => {
    const t = await registerTenant(h, 'features-crm');
    const define = () => h.request('POST', '/api/custom-fields', { token: t.token, body: { resource: 'leads', key: 'tier', label: 'Tier', type: 'text' } });
    const free = await define();
    expect(free.status).toBe(403);
    expect((await json(free)).error).toBe('plan_feature_unavailable');
    await setOverride(t.tenantId, 'pro');
    expect((await define()).status).toBe(403);
    await setOverride(t.tenantId, 'enterprise');
    expect((await define()).status).toBe(201);
  });
});
