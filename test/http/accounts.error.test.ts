import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let other: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  other = await h.login('mycompany', 'tenant_admin');
});

const accountCount = async () => (await h.raw.query<{ n: number }>('select count(*)::int as n from accounts'))[0]?.n;

describe('account validation', () => {
  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'X', domain: 'not a domain' }, 'domain'],
    [{ name: 'X', domain: 'https://acme.example' }, 'domain'],
    [{ name: 'X', size: '10-20' }, 'size'],
    [{ name: 'X', industry: 'i'.repeat(101) }, 'industry'],
    [{ name: 'X', ownerId: 'nope' }, 'ownerId'],
    [{ name: 'X', email: 'accounts@have.no.email' }, 'email'],
  ])('%j → 400 naming %s, nothing written', async (body, field) => {
    const before = await accountCount();
    const res = await h.request('POST', '/api/accounts', { token: admin.accessToken, body });
    expect(res.status).toBe(400);
    expect((await json(res)).details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await accountCount()).toBe(before);
  });

  it('409 with a details entry on domain for a duplicate in the tenant (any case); another tenant may use it', async () => {
    expect((await h.request('POST', '/api/accounts', { token: admin.accessToken, body: { name: 'One', domain: 'dup.example' } })).status).toBe(201);
    const res = await h.request('POST', '/api/accounts', { token: admin.accessToken, body: { name: 'Two', domain: 'DUP.example' } });
    expect(res.status).toBe(409);
    const err = await json(res);
    expect(err.error).toBe('conflict');
    expect(err.details).toEqual([{ field: 'domain', message: 'already in use' }]);
    expect(await h.raw.query(`select 1 from accounts where name = 'Two'`)).toEqual([]);
    expect((await h.request('POST', '/api/accounts', { token: other.accessToken, body: { name: 'Theirs', domain: 'dup.example' } })).status).toBe(201);
  });

  it('409 on domain when an update would take another account domain', async () => {
    await h.request('POST', '/api/accounts', { token: admin.accessToken, body: { name: 'Holder', domain: 'holder.example' } });
    const mover = (await json(await h.request('POST', '/api/accounts', { token: admin.accessToken, body: { name: 'Mover', domain: 'mover.example' } }))).data;
    const res = await h.request('PATCH', `/api/accounts/${mover.id}`, { token: admin.accessToken, body: { domain: 'Holder.Example' } });
    expect(res.status).toBe(409);
    expect((await json(res)).details[0].field).toBe('domain');
    expect(await h.raw.query('select domain from accounts where id = $1', [mover.id])).toEqual([{ domain: 'mover.example' }]);
  });

  it.each(['sort=domain', 'size=huge', 'industry=', 'ownerId=x', 'updatedAtTo=never', 'accountId=00000000-0000-0000-0000-000000000000'])(
    'rejects the list query %s with 400',
    async (query) => {
      const res = await h.request('GET', `/api/accounts?${query}`, { token: admin.accessToken });
      expect(res.status).toBe(400);
    },
  );

  it('404 for a missing account, 412 for a stale If-Match', async () => {
    expect((await h.request('GET', `/api/accounts/${crypto.randomUUID()}`, { token: admin.accessToken })).status).toBe(404);
    const a = (await json(await h.request('POST', '/api/accounts', { token: admin.accessToken, body: { name: 'Versioned' } }))).data;
    const res = await h.request('DELETE', `/api/accounts/${a.id}`, { token: admin.accessToken, headers: { 'if-match': `"${a.id.slice(0, 8)}-2"` } });
    expect(res.status).toBe(412);
    expect((await h.raw.query('select 1 from accounts where id = $1', [a.id])).length).toBe(1);
  });
});
