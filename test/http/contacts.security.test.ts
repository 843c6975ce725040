import { beforeAll, describe, expect, it } from 'vitest';
import { type Role, roles } from '../../src/db/schema/index.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let s: Record<Role, Session>;
let other: Session;
let foreignAccount: string;
beforeAll(async () => {
  h = await createHarness();
  s = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
  const res = await h.request('POST', '/api/accounts', { token: other.accessToken, body: { name: 'Foreign Account' } });
  foreignAccount = (await json(res)).data.id;
});

async function contactOwnedBy(owner: Session, lastName = 'Owned') {
  const res = await h.request('POST', '/api/contacts', { token: s.tenant_admin.accessToken, body: { lastName, ownerId: owner.userId } });
  expect(res.status).toBe(201);
  return (await json(res)).data.id as string;
}

describe('contacts RBAC (SPEC section 5)', () => {
  it.each([
    ['tenant_admin', 201],
    ['manager', 201],
    ['sales_user', 201],
    ['support_user', 201],
    ['read_only', 403],
  ] as const)('%s create → %i', async (role, status) => {
    const lastName = `By ${role}`;
    const res = await h.request('POST', '/api/contacts', { token: s[role].accessToken, body: { lastName } });
    expect(res.status).toBe(status);
    const rows = await h.raw.query<{ owner_id: string }>('select owner_id from contacts where last_name = $1', [lastName]);
    expect(rows).toEqual(status === 201 ? [{ owner_id: s[role].userId }] : []);
  });

  it.each(roles)('%s can list and read', async (role) => {
    const id = await contactOwnedBy(s.manager, `Readable ${role}`);
    expect((await h.request('GET', '/api/contacts', { token: s[role].accessToken })).status).toBe(200);
    expect((await h.request('GET', `/api/contacts/${id}`, { token: s[role].accessToken })).status).toBe(200);
  });

  it.each([
    ['tenant_admin', 204],
    ['manager', 204],
    ['sales_user', 403],
    ['support_user', 403],
    ['read_only', 403],
  ] as const)('%s delete of an own contact → %i', async (role, status) => {
    const id = await contactOwnedBy(s[role]);
    expect((await h.request('DELETE', `/api/contacts/${id}`, { token: s[role].accessToken })).status).toBe(status);
    expect((await h.raw.query('select 1 from contacts where id = $1', [id])).length).toBe(status === 204 ? 0 : 1);
  });

  it.each(['sales_user', 'support_user'] as const)('%s updates only own contacts and cannot hand them to someone else', async (role) => {
    const own = await contactOwnedBy(s[role], `Mine ${role}`);
    const theirs = await contactOwnedBy(s.manager, `Theirs ${role}`);
    expect((await h.request('PATCH', `/api/contacts/${own}`, { token: s[role].accessToken, body: { title: 'Updated' } })).status).toBe(200);
    const denied = await h.request('PATCH', `/api/contacts/${theirs}`, { token: s[role].accessToken, body: { title: 'Updated' } });
    expect(denied.status).toBe(403);
    expect((await json(denied)).error).toBe('insufficient_permissions');
    const handOff = await h.request('PATCH', `/api/contacts/${own}`, { token: s[role].accessToken, body: { ownerId: s.manager.userId } });
    expect(handOff.status).toBe(403);
    const created = await h.request('POST', '/api/contacts', { token: s[role].accessToken, body: { lastName: `Gift ${role}`, ownerId: s.manager.userId } });
    expect(created.status).toBe(403);
    const rows = await h.raw.query<{ title: string | null; owner_id: string }>('select title, owner_id from contacts where id in ($1, $2) order by last_name', [
      own,
      theirs,
    ]);
    expect(rows).toEqual([
      { title: 'Updated', owner_id: s[role].userId },
      { title: null, owner_id: s.manager.userId },
    ]);
    expect(await h.raw.query('select 1 from contacts where last_name = $1', [`Gift ${role}`])).toEqual([]);
  });

  it('a manager updates and reassigns anyone’s contact; read_only cannot update', async () => {
    const id = await contactOwnedBy(s.sales_user, 'Reassign');
    expect((await h.request('PATCH', `/api/contacts/${id}`, { token: s.read_only.accessToken, body: { title: 'x' } })).status).toBe(403);
    expect((await h.request('PATCH', `/api/contacts/${id}`, { token: s.manager.accessToken, body: { ownerId: s.support_user.userId } })).status).toBe(200);
    expect((await h.raw.query<{ owner_id: string }>('select owner_id from contacts where id = $1', [id]))[0]?.owner_id).toBe(s.support_user.userId);
  });
});

describe('contacts across tenants', () => {
  it("answers another tenant's contact as missing on read, update and delete, and changes nothing", async () => {
    const res = await h.request('POST', '/api/contacts', { token: other.accessToken, body: { lastName: 'Foreigner', title: 'Theirs' } });
    const foreign = (await json(res)).data.id;
    const missing = crypto.randomUUID();
    for (const [method, body] of [['GET'], ['PATCH', { title: 'Hijacked' }], ['DELETE']] as const) {
      const a = await h.request(method, `/api/contacts/${foreign}`, { token: s.tenant_admin.accessToken, body });
      const b = await h.request(method, `/api/contacts/${missing}`, { token: s.tenant_admin.accessToken, body });
      expect(a.status).toBe(404);
      const [ja, jb] = [await json(a), await json(b)];
      expect([ja.error, ja.message]).toEqual([jb.error, jb.message]);
    }
    expect(await h.raw.query('select title from contacts where id = $1', [foreign])).toEqual([{ title: 'Theirs' }]);
    const list = await json(await h.request('GET', '/api/contacts?q=foreigner', { token: s.tenant_admin.accessToken }));
    expect(list.data).toEqual([]);
  });

  it("refuses another tenant's accountId on create and update with 400 on accountId, and links nothing", async () => {
    const created = await h.request('POST', '/api/contacts', { token: s.tenant_admin.accessToken, body: { lastName: 'Smuggler', accountId: foreignAccount } });
    expect(created.status).toBe(400);
    expect((await json(created)).details).toEqual([{ field: 'accountId', message: 'no such record in this tenant' }]);
    const id = await contactOwnedBy(s.tenant_admin, 'Innocent');
    const updated = await h.request('PATCH', `/api/contacts/${id}`, { token: s.tenant_admin.accessToken, body: { accountId: foreignAccount } });
    expect(updated.status).toBe(400);
    expect((await json(updated)).details[0].field).toBe('accountId');
    expect(await h.raw.query('select 1 from contacts where account_id = $1', [foreignAccount])).toEqual([]);
    expect(await h.raw.query(`select 1 from contacts where last_name = 'Smuggler'`)).toEqual([]);
  });

  it("refuses another tenant's user as ownerId with 400", async () => {
    const res = await h.request('POST', '/api/contacts', { token: s.tenant_admin.accessToken, body: { lastName: 'Foreign owner', ownerId: other.userId } });
    expect(res.status).toBe(400);
    expect((await json(res)).details[0].field).toBe('ownerId');
    expect(await h.raw.query(`select 1 from contacts where last_name = 'Foreign owner'`)).toEqual([]);
  });

  it('refuses mass assignment of tenant, id, version and timestamps', async () => {
    for (const extra of [
      { tenantId: other.tenantId },
      { id: crypto.randomUUID() },
      { createdAt: '2020-01-01T00:00:00Z' },
      { updatedAt: '2020-01-01T00:00:00Z' },
      { version: 9 },
      { search: 'x' },
    ]) {
      const res = await h.request('POST', '/api/contacts', { token: s.tenant_admin.accessToken, body: { lastName: 'Mass', ...extra } });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect((await json(res)).error).toBe('validation_error');
    }
    expect(await h.raw.query(`select 1 from contacts where last_name = 'Mass'`)).toEqual([]);
  });
});
