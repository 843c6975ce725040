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

const contactCount = async () => (await h.raw.query<{ n: number }>('select count(*)::int as n from contacts'))[0]?.n;

async function create(body: Record<string, unknown>, token = admin.accessToken) {
  const res = await h.request('POST', '/api/contacts', { token, body });
  expect(res.status).toBe(201);
  return (await json(res)).data as { id: string; email: string | null };
}

describe('contact validation', () => {
  it.each([
    [{}, 'lastName'],
    [{ lastName: '   ' }, 'lastName'],
    [{ lastName: 'x'.repeat(101) }, 'lastName'],
    [{ lastName: 'X', email: 'not-an-email' }, 'email'],
    [{ lastName: 'X', phone: 'call me maybe' }, 'phone'],
    [{ lastName: 'X', accountId: 'not-a-uuid' }, 'accountId'],
    [{ lastName: 'X', ownerId: 'me' }, 'ownerId'],
    [{ lastName: 'X', notes: 'n'.repeat(10_001) }, 'notes'],
    [{ lastName: 'X', company: 'contacts have no company' }, 'company'],
  ])('%j → 400 naming %s, nothing written', async (body, field) => {
    const before = await contactCount();
    const res = await h.request('POST', '/api/contacts', { token: admin.accessToken, body });
    expect(res.status).toBe(400);
    const err = await json(res);
    expect(err.error).toBe('validation_error');
    expect(err.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await contactCount()).toBe(before);
  });

  it('an accountId that does not exist is 400 on accountId', async () => {
    const res = await h.request('POST', '/api/contacts', { token: admin.accessToken, body: { lastName: 'Ghost', accountId: crypto.randomUUID() } });
    expect(res.status).toBe(400);
    expect((await json(res)).details).toEqual([{ field: 'accountId', message: 'no such record in this tenant' }]);
    expect(await h.raw.query(`select 1 from contacts where last_name = 'Ghost'`)).toEqual([]);
  });
});

describe('contact email uniqueness', () => {
  it('409 with a details entry on email for a duplicate in the tenant, whatever the case; another tenant may use it', async () => {
    await create({ lastName: 'First', email: 'taken@dup.example' });
    const res = await h.request('POST', '/api/contacts', { token: admin.accessToken, body: { lastName: 'Second', email: 'TAKEN@Dup.Example' } });
    expect(res.status).toBe(409);
    const err = await json(res);
    expect(err.error).toBe('conflict');
    expect(err.details).toEqual([{ field: 'email', message: 'already in use' }]);
    expect(await h.raw.query(`select 1 from contacts where last_name = 'Second'`)).toEqual([]);
    await create({ lastName: 'Elsewhere', email: 'taken@dup.example' }, other.accessToken);
  });

  it('409 on email when an update would take another contact email; the row is unchanged', async () => {
    await create({ lastName: 'Holder', email: 'holder@dup.example' });
    const mover = await create({ lastName: 'Mover', email: 'mover@dup.example' });
    const res = await h.request('PATCH', `/api/contacts/${mover.id}`, { token: admin.accessToken, body: { email: 'Holder@dup.example' } });
    expect(res.status).toBe(409);
    expect((await json(res)).details[0].field).toBe('email');
    const [row] = await h.raw.query<{ email: string; version: number }>('select email, version from contacts where id = $1', [mover.id]);
    expect(row).toEqual({ email: 'mover@dup.example', version: 1 });
  });

  it('several contacts without an email are fine', async () => {
    await create({ lastName: 'Noemail1' });
    await create({ lastName: 'Noemail2', email: null });
  });
});

describe('contact request errors', () => {
  it('404 for a missing contact, 400 for a malformed id', async () => {
    expect((await h.request('GET', `/api/contacts/${crypto.randomUUID()}`, { token: admin.accessToken })).status).toBe(404);
    expect((await h.request('PATCH', `/api/contacts/${crypto.randomUUID()}`, { token: admin.accessToken, body: { title: 'x' } })).status).toBe(404);
    expect((await h.request('GET', '/api/contacts/not-a-uuid', { token: admin.accessToken })).status).toBe(400);
  });

  it('412 on a stale If-Match, row unchanged', async () => {
    const c = await create({ lastName: 'Stale' });
    const res = await h.request('PATCH', `/api/contacts/${c.id}`, {
      token: admin.accessToken,
      headers: { 'if-match': `"${c.id.slice(0, 8)}-7"` },
      body: { title: 'New' },
    });
    expect(res.status).toBe(412);
    expect((await h.raw.query<{ title: string | null }>('select title from contacts where id = $1', [c.id]))[0]?.title).toBeNull();
  });

  it.each(['sort=email', 'sort=firstName', 'status=new', 'accountId=nope', 'ownerId=nope', 'createdAtFrom=yesterday', 'limit=101', 'unknown=1'])(
    'rejects the list query %s with 400',
    async (query) => {
      const res = await h.request('GET', `/api/contacts?${query}`, { token: admin.accessToken });
      expect(res.status).toBe(400);
      expect((await json(res)).error).toBe('validation_error');
    },
  );

  it('401 without a token', async () => {
    expect((await h.request('GET', '/api/contacts')).status).toBe(401);
    expect((await h.request('POST', '/api/contacts', { body: { lastName: 'Anon' } })).status).toBe(401);
  });
});
