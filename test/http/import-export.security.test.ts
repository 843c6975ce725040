import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/db/schema/index.ts';
import { parseCsv } from '../../src/routes/crm/shared/csv.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let s: Record<Role, Session>;
let other: Session;
let foreignAccount: string;
let ownAccount: string;
beforeAll(async () => {
  h = await createHarness();
  s = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
  foreignAccount = (await json(await h.request('POST', '/api/accounts', { token: other.accessToken, body: { name: 'Foreign Account' } }))).data.id;
  ownAccount = (await json(await h.request('POST', '/api/accounts', { token: s.tenant_admin.accessToken, body: { name: 'Own Account' } }))).data.id;
});

const count = async (sql: string, params: unknown[] = []) => (await h.raw.query<{ n: number }>(`select count(*)::int as n from (${sql}) t`, params))[0]?.n ?? 0;
const importAs = (role: Role, resource: string, body: unknown, query = '') =>
  h.request('POST', `/api/${resource}/import${query}`, { token: s[role].accessToken, body });

const rowFor = (resource: string, tag: string) => (resource === 'accounts' ? { name: tag } : { lastName: tag });
const nameColumn = (resource: string) => (resource === 'accounts' ? 'name' : 'last_name');

describe('import and export RBAC (SPEC section 5: import needs write, export needs export)', () => {
  const importMatrix: [string, Role, number][] = [
    ['leads', 'tenant_admin', 200],
    ['leads', 'manager', 200],
    ['leads', 'sales_user', 200],
    ['leads', 'support_user', 403],
    ['leads', 'read_only', 403],
    ['contacts', 'tenant_admin', 200],
    ['contacts', 'manager', 200],
    ['contacts', 'sales_user', 200],
    ['contacts', 'support_user', 200],
    ['contacts', 'read_only', 403],
    ['accounts', 'tenant_admin', 200],
    ['accounts', 'manager', 200],
    ['accounts', 'sales_user', 403],
    ['accounts', 'support_user', 403],
    ['accounts', 'read_only', 403],
  ];
  it.each(importMatrix)('%s import by %s → %i', async (resource, role, status) => {
    const tag = `Imported by ${role}`;
    const res = await importAs(role, resource, [rowFor(resource, tag)]);
    expect(res.status).toBe(status);
    if (status === 403) expect((await json(res)).error).toBe('insufficient_permissions');
    const written = await count(`select 1 from ${resource} where ${nameColumn(resource)} = $1 and owner_id = $2`, [tag, s[role].userId]);
    expect(written).toBe(status === 200 ? 1 : 0);
  });

  const exportMatrix: [string, Role, number][] = [
    ['leads', 'tenant_admin', 200],
    ['leads', 'manager', 200],
    ['leads', 'sales_user', 403],
    ['leads', 'support_user', 403],
    ['leads', 'read_only', 403],
    ['contacts', 'tenant_admin', 200],
    ['contacts', 'manager', 200],
    ['contacts', 'sales_user', 403],
    ['contacts', 'support_user', 403],
    ['contacts', 'read_only', 403],
    // The matrix gives managers read/write/delete on accounts, not export.
    ['accounts', 'tenant_admin', 200],
    ['accounts', 'manager', 403],
    ['accounts', 'sales_user', 403],
    ['accounts', 'support_user', 403],
    ['accounts', 'read_only', 403],
  ];
  it.each(exportMatrix)('%s export by %s → %i (audited only when allowed)', async (resource, role, status) => {
    const audits = await count(`select 1 from audit_logs where action like '%.exported' and actor_id = $1`, [s[role].userId]);
    const res = await h.request('GET', `/api/${resource}/export`, { token: s[role].accessToken });
    expect(res.status).toBe(status);
    if (status === 200) expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    else expect((await json(res)).error).toBe('insufficient_permissions');
    await res.body?.cancel().catch(() => {});
    expect(await count(`select 1 from audit_logs where action like '%.exported' and actor_id = $1`, [s[role].userId])).toBe(audits + (status === 200 ? 1 : 0));
  });

  it('needs a token', async () => {
    expect((await h.request('POST', '/api/contacts/import', { body: [{ lastName: 'Anon' }] })).status).toBe(401);
    expect((await h.request('GET', '/api/contacts/export')).status).toBe(401);
  });
});

describe('import ownership (own-only roles)', () => {
  it.each(['sales_user', 'support_user'] as const)('%s cannot update contacts of others or assign rows to others through an import', async (role) => {
    const email = `owned-by-manager-${role}@own.example`;
    const theirs = (await json(await h.request('POST', '/api/contacts', { token: s.manager.accessToken, body: { lastName: 'Managers', email } }))).data.id;
    const rows = [{ lastName: 'Overwrite', email: email.toUpperCase() }, { lastName: `Gift ${role}`, ownerId: s.manager.userId }, { lastName: `Fine ${role}` }];
    const denied = await importAs(role, 'contacts', rows);
    expect(denied.status).toBe(400);
    expect((await json(denied)).details.map((d: { row: number; field: string }) => [d.row, d.field])).toEqual([
      [1, 'email'],
      [2, 'ownerId'],
    ]);
    const partial = await json(await importAs(role, 'contacts', rows, '?partial=true'));
    expect(partial.data).toMatchObject({ created: 1, updated: 0, failed: 2 });
    expect(await h.raw.query('select last_name, owner_id, version from contacts where id = $1', [theirs])).toEqual([
      { last_name: 'Managers', owner_id: s.manager.userId, version: 1 },
    ]);
    expect(await count('select 1 from contacts where last_name = $1', [`Gift ${role}`])).toBe(0);
    expect(await h.raw.query('select owner_id from contacts where last_name = $1', [`Fine ${role}`])).toEqual([{ owner_id: s[role].userId }]);
  });

  it('a sales user may update their own contacts by import', async () => {
    await h.request('POST', '/api/contacts', { token: s.sales_user.accessToken, body: { lastName: 'Mine', email: 'mine@own.example' } });
    const res = await importAs('sales_user', 'contacts', [{ lastName: 'Mine updated', email: 'mine@own.example', ownerId: s.sales_user.userId }]);
    expect((await json(res)).data).toMatchObject({ created: 0, updated: 1 });
  });
});

describe('import and export across tenants', () => {
  it("another tenant's accountId in an import → 400 on that row and nothing linked; with ?partial=true only that row fails", async () => {
    const before = await count('select 1 from contacts');
    const rows = [
      { lastName: 'Linked own', accountId: ownAccount },
      { lastName: 'Linked foreign', accountId: foreignAccount },
    ];
    const res = await importAs('tenant_admin', 'contacts', rows);
    expect(res.status).toBe(400);
    expect((await json(res)).details).toEqual([{ row: 2, field: 'accountId', message: 'no such record in this tenant' }]);
    expect(await count('select 1 from contacts')).toBe(before);

    const partial = await json(await importAs('tenant_admin', 'contacts', rows, '?partial=true'));
    expect(partial.data).toMatchObject({ created: 1, failed: 1 });
    expect(await count('select 1 from contacts where account_id = $1', [foreignAccount])).toBe(0);
    expect(await h.raw.query(`select account_id from contacts where last_name = 'Linked own'`)).toEqual([{ account_id: ownAccount }]);
    expect(await count(`select 1 from contacts where last_name = 'Linked foreign'`)).toBe(0);
  });

  it("another tenant's accountId in a CSV import is refused the same way", async () => {
    const res = await h.request('POST', '/api/contacts/import', {
      token: s.tenant_admin.accessToken,
      headers: { 'content-type': 'text/csv' },
      body: `lastName,accountId\r\nCsv foreign,${foreignAccount}\r\n`,
    });
    expect(res.status).toBe(400);
    expect((await json(res)).details[0]).toEqual({ row: 1, field: 'accountId', message: 'no such record in this tenant' });
    expect(await count('select 1 from contacts where account_id = $1', [foreignAccount])).toBe(0);
  });

  it("another tenant's user as ownerId in an import → 400 on ownerId", async () => {
    const res = await importAs('tenant_admin', 'leads', [{ lastName: 'Foreign owned', ownerId: other.userId }]);
    expect(res.status).toBe(400);
    expect((await json(res)).details[0]).toMatchObject({ row: 1, field: 'ownerId' });
    expect(await count(`select 1 from leads where last_name = 'Foreign owned'`)).toBe(0);
  });

  it("upserts never reach another tenant's record with the same email or domain", async () => {
    await h.request('POST', '/api/contacts', { token: other.accessToken, body: { lastName: 'Theirs', email: 'shared@tenants.example' } });
    await h.request('POST', '/api/accounts', { token: other.accessToken, body: { name: 'Their Co', domain: 'shared-tenants.example' } });
    const contacts = await json(await importAs('tenant_admin', 'contacts', [{ lastName: 'Ours', email: 'shared@tenants.example' }]));
    const accounts = await json(await importAs('tenant_admin', 'accounts', [{ name: 'Our Co', domain: 'shared-tenants.example' }]));
    expect([contacts.data.created, accounts.data.created]).toEqual([1, 1]);
    expect(await h.raw.query(`select last_name, version, tenant_id from contacts where email = 'shared@tenants.example' order by last_name`)).toEqual([
      { last_name: 'Ours', version: 1, tenant_id: s.tenant_admin.tenantId },
      { last_name: 'Theirs', version: 1, tenant_id: other.tenantId },
    ]);
    expect(await h.raw.query(`select name from accounts where domain = 'shared-tenants.example' and tenant_id = $1`, [other.tenantId])).toEqual([
      { name: 'Their Co' },
    ]);
  });

  it("an export holds only the caller's tenant", async () => {
    await h.request('POST', '/api/leads', { token: other.accessToken, body: { lastName: 'Secret foreign lead', email: 'secret@other.example' } });
    const res = await h.request('GET', '/api/leads/export', { token: s.tenant_admin.accessToken });
    const text = await res.text();
    expect(text).not.toContain('secret@other.example');
    const theirs = parseCsv(await (await h.request('GET', '/api/leads/export', { token: other.accessToken })).text());
    expect(theirs.slice(1).map((r) => r[3])).toContain('secret@other.example');
  });

  it('a tenant hint for another tenant on export is 403 tenant_mismatch', async () => {
    const res = await h.request('GET', '/api/contacts/export', { token: s.tenant_admin.accessToken, headers: { 'x-tenant-id': 'mycompany' } });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('tenant_mismatch');
  });
});
