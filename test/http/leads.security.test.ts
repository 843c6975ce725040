import { beforeAll, describe, expect, it } from 'vitest';
import { type Role, roles } from '../../src/db/schema/index.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let s: Record<Role, Session>;
let other: Session;
beforeAll(async () => {
  h = await createHarness();
  s = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
});

async function leadOwnedBy(owner: Session, lastName = 'Owned') {
  const res = await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body: { lastName, ownerId: owner.userId } });
  return (await json(res)).data.id as string;
}

describe('leads RBAC (SPEC section 5)', () => {
  it.each([
    ['tenant_admin', 201],
    ['manager', 201],
    ['sales_user', 201],
    ['support_user', 403],
    ['read_only', 403],
  ] as const)('%s create → %i', async (role, status) => {
    const res = await h.request('POST', '/api/leads', { token: s[role].accessToken, body: { lastName: `By ${role}` } });
    expect(res.status).toBe(status);
  });

  it.each(roles)('%s can read', async (role) => {
    expect((await h.request('GET', '/api/leads', { token: s[role].accessToken })).status).toBe(200);
  });

  it.each([
    ['tenant_admin', 204],
    ['manager', 204],
    ['sales_user', 403],
    ['support_user', 403],
    ['read_only', 403],
  ] as const)('%s delete → %i', async (role, status) => {
    const id = await leadOwnedBy(s[role]);
    expect((await h.request('DELETE', `/api/leads/${id}`, { token: s[role].accessToken })).status).toBe(status);
    const left = await h.raw.query('select 1 from leads where id = $1', [id]);
    expect(left.length).toBe(status === 204 ? 0 : 1);
  });

  it('lets a sales user update only own leads, and not hand them to someone else', async () => {
    const own = await leadOwnedBy(s.sales_user, 'Mine');
    const theirs = await leadOwnedBy(s.manager, 'Theirs');
    expect((await h.request('PATCH', `/api/leads/${own}`, { token: s.sales_user.accessToken, body: { score: 50 } })).status).toBe(200);
    const denied = await h.request('PATCH', `/api/leads/${theirs}`, { token: s.sales_user.accessToken, body: { score: 50 } });
    expect(denied.status).toBe(403);
    expect((await json(denied)).error).toBe('insufficient_permissions');
    const handOff = await h.request('PATCH', `/api/leads/${own}`, { token: s.sales_user.accessToken, body: { ownerId: s.manager.userId } });
    expect(handOff.status).toBe(403);
    const rows = await h.raw.query<{ score: number; owner_id: string }>('select score, owner_id from leads where id in ($1, $2) order by last_name', [
      own,
      theirs,
    ]);
    expect(rows).toEqual([
      { score: 50, owner_id: s.sales_user.userId },
      { score: 0, owner_id: s.manager.userId },
    ]);
    // A manager may reassign.
    expect((await h.request('PATCH', `/api/leads/${theirs}`, { token: s.manager.accessToken, body: { ownerId: s.sales_user.userId } })).status).toBe(200);
  });
});

describe('leads across tenants', () => {
  it("answers another tenant's lead as missing on read, update and delete, and changes nothing", async () => {
    const foreign = (await json(await h.request('POST', '/api/leads', { token: other.accessToken, body: { lastName: 'Foreign', score: 5 } }))).data.id;
    const missing = crypto.randomUUID();
    for (const [method, body] of [['GET'], ['PATCH', { score: 90 }], ['DELETE']] as const) {
      const a = await h.request(method, `/api/leads/${foreign}`, { token: s.tenant_admin.accessToken, body });
      const b = await h.request(method, `/api/leads/${missing}`, { token: s.tenant_admin.accessToken, body });
      expect(a.status).toBe(404);
      const [ja, jb] = [await json(a), await json(b)];
      expect([ja.error, ja.message]).toEqual([jb.error, jb.message]);
    }
    const rows = await h.raw.query<{ score: number }>('select score from leads where id = $1', [foreign]);
    expect(rows).toEqual([{ score: 5 }]);
    const list = await json(await h.request('GET', '/api/leads?limit=100&q=foreign', { token: s.tenant_admin.accessToken }));
    expect(list.data).toEqual([]);
  });

  it('refuses an ownerId from another tenant with 400 and creates nothing', async () => {
    const res = await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body: { lastName: 'Smuggled', ownerId: other.userId } });
    expect(res.status).toBe(400);
    expect((await json(res)).details[0].field).toBe('ownerId');
    expect(await h.raw.query(`select 1 from leads where last_name = 'Smuggled'`)).toEqual([]);
  });

  it('refuses mass assignment of tenant, id, timestamps and computed fields', async () => {
    for (const extra of [
      { tenantId: other.tenantId },
      { id: crypto.randomUUID() },
      { createdAt: '2020-01-01T00:00:00Z' },
      { version: 7 },
      { convertedAt: '2020-01-01T00:00:00Z' },
      { status: 'converted' },
    ]) {
      const res = await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body: { lastName: 'Mass', ...extra } });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect((await json(res)).error).toBe('validation_error');
    }
    expect(await h.raw.query(`select 1 from leads where last_name = 'Mass'`)).toEqual([]);
  });
});

describe('lead validation', () => {
  it.each([
    [{}, 'lastName'],
    [{ lastName: 'X', score: 101 }, 'score'],
    [{ lastName: 'X', score: 1.5 }, 'score'],
    [{ lastName: 'X', email: 'nope' }, 'email'],
    [{ lastName: 'X', status: 'bogus' }, 'status'],
    [{ lastName: 'X', phone: 'call me' }, 'phone'],
    [{ lastName: 'x'.repeat(101) }, 'lastName'],
  ])('%j → 400 on %s', async (body, field) => {
    const res = await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body });
    expect(res.status).toBe(400);
    expect((await json(res)).details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('409 on a duplicate email in the same tenant, regardless of case; fine in another tenant', async () => {
    const body = { lastName: 'Dup', email: 'dup@leads.example' };
    expect((await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body })).status).toBe(201);
    const dup = await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body: { ...body, email: 'DUP@leads.example' } });
    expect(dup.status).toBe(409);
    expect((await h.request('POST', '/api/leads', { token: other.accessToken, body })).status).toBe(201);
  });

  it.each(['sort=password', 'limit=0', 'limit=101', 'cursor=garbage', 'status=bogus', 'ownerId=nope', 'createdAtFrom=yesterday', 'unknown=1'])(
    'rejects the list query %s with 400',
    async (query) => {
      const res = await h.request('GET', `/api/leads?${query}`, { token: s.tenant_admin.accessToken });
      expect(res.status).toBe(400);
      expect((await json(res)).error).toBe('validation_error');
    },
  );
});
