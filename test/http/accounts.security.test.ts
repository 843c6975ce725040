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

async function accountOwnedBy(owner: Session, name = 'Owned') {
  const res = await h.request('POST', '/api/accounts', { token: s.tenant_admin.accessToken, body: { name, ownerId: owner.userId } });
  expect(res.status).toBe(201);
  return (await json(res)).data.id as string;
}

describe('accounts RBAC (SPEC section 5: manager read/write/delete; sales, support, read_only read)', () => {
  it.each([
    ['tenant_admin', 201],
    ['manager', 201],
    ['sales_user', 403],
    ['support_user', 403],
    ['read_only', 403],
  ] as const)('%s create → %i', async (role, status) => {
    const name = `By ${role}`;
    const res = await h.request('POST', '/api/accounts', { token: s[role].accessToken, body: { name } });
    expect(res.status).toBe(status);
    expect((await h.raw.query('select 1 from accounts where name = $1', [name])).length).toBe(status === 201 ? 1 : 0);
  });

  it.each(roles)('%s can list and read', async (role) => {
    const id = await accountOwnedBy(s.manager, `Readable ${role}`);
    expect((await h.request('GET', '/api/accounts', { token: s[role].accessToken })).status).toBe(200);
    expect((await h.request('GET', `/api/accounts/${id}`, { token: s[role].accessToken })).status).toBe(200);
  });

  it.each([
    ['tenant_admin', 200],
    ['manager', 200],
    ['sales_user', 403],
    ['support_user', 403],
    ['read_only', 403],
  ] as const)('%s update of an account they own → %i', async (role, status) => {
    const id = await accountOwnedBy(s[role], `Update ${role}`);
    expect((await h.request('PATCH', `/api/accounts/${id}`, { token: s[role].accessToken, body: { industry: 'Changed' } })).status).toBe(status);
    const [row] = await h.raw.query<{ industry: string | null }>('select industry from accounts where id = $1', [id]);
    expect(row?.industry).toBe(status === 200 ? 'Changed' : null);
  });

  it.each([
    ['tenant_admin', 204],
    ['manager', 204],
    ['sales_user', 403],
    ['support_user', 403],
    ['read_only', 403],
  ] as const)('%s delete → %i', async (role, status) => {
    const id = await accountOwnedBy(s[role], `Delete ${role}`);
    expect((await h.request('DELETE', `/api/accounts/${id}`, { token: s[role].accessToken })).status).toBe(status);
    expect((await h.raw.query('select 1 from accounts where id = $1', [id])).length).toBe(status === 204 ? 0 : 1);
  });

  it("a manager may change and reassign another user's account (no own-only rule on accounts)", async () => {
    const id = await accountOwnedBy(s.tenant_admin, 'Admin owned');
    const res = await h.request('PATCH', `/api/accounts/${id}`, { token: s.manager.accessToken, body: { ownerId: s.sales_user.userId } });
    expect(res.status).toBe(200);
    expect(await h.raw.query('select owner_id from accounts where id = $1', [id])).toEqual([{ owner_id: s.sales_user.userId }]);
  });
});

describe('accounts across tenants', () => {
  it("answers another tenant's account as missing and changes nothing", async () => {
    const foreign = (await json(await h.request('POST', '/api/accounts', { token: other.accessToken, body: { name: 'Foreign Ltd', industry: 'Theirs' } }))).data
      .id;
    for (const [method, body] of [['GET'], ['PATCH', { industry: 'Hijacked' }], ['DELETE']] as const) {
      const res = await h.request(method, `/api/accounts/${foreign}`, { token: s.tenant_admin.accessToken, body });
      expect(res.status).toBe(404);
    }
    expect(await h.raw.query('select industry from accounts where id = $1', [foreign])).toEqual([{ industry: 'Theirs' }]);
    expect((await json(await h.request('GET', '/api/accounts?q=foreign', { token: s.tenant_admin.accessToken }))).data).toEqual([]);
  });

  it("refuses another tenant's user as ownerId and mass assignment", async () => {
    const res = await h.request('POST', '/api/accounts', { token: s.tenant_admin.accessToken, body: { name: 'Foreign owner', ownerId: other.userId } });
    expect(res.status).toBe(400);
    expect((await json(res)).details[0].field).toBe('ownerId');
    for (const extra of [{ tenantId: other.tenantId }, { id: crypto.randomUUID() }, { version: 3 }, { createdAt: '2020-01-01T00:00:00Z' }]) {
      expect((await h.request('POST', '/api/accounts', { token: s.tenant_admin.accessToken, body: { name: 'Mass', ...extra } })).status).toBe(400);
    }
    expect(await h.raw.query(`select 1 from accounts where name in ('Mass', 'Foreign owner')`)).toEqual([]);
  });
});
