import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let sales: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  sales = await h.login('acme', 'sales_user');
});

async function create(body: Record<string, unknown>, token = admin.accessToken) {
  const res = await h.request('POST', '/api/contacts', { token, body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json(res)).data;
}

async function account(name: string, domain?: string) {
  const res = await h.request('POST', '/api/accounts', { token: admin.accessToken, body: { name, domain } });
  expect(res.status).toBe(201);
  return (await json(res)).data.id as string;
}

describe('contacts CRUD', () => {
  it('creates with the caller as owner, Location and ETag, lower-cases the email, and links an account of the tenant', async () => {
    const accountId = await account('Analytical Engines');
    const res = await h.request('POST', '/api/contacts', {
      token: admin.accessToken,
      body: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'Ada@Analytical.Example',
        phone: '+44 20 7946 0000',
        title: 'Analyst',
        accountId,
        notes: 'met at RI',
      },
    });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@analytical.example', accountId, ownerId: admin.userId, customFields: {} });
    expect(data).not.toHaveProperty('tenantId');
    expect(data).not.toHaveProperty('version');
    expect(res.headers.get('location')).toBe(`/api/contacts/${data.id}`);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{8}-1"$/);
    const [row] = await h.raw.query<{ account_id: string; tenant_id: string }>('select account_id, tenant_id from contacts where id = $1', [data.id]);
    expect(row).toEqual({ account_id: accountId, tenant_id: admin.tenantId });
  });

  it('embeds recent activities on GET, newest first', async () => {
    const contact = await create({ lastName: 'Babbage' });
    for (const subject of ['First call', 'Second call']) {
      const res = await h.request('POST', '/api/activities', {
        token: admin.accessToken,
        body: { type: 'call', subject, relatedTo: { type: 'contact', id: contact.id } },
      });
      expect(res.status).toBe(201);
    }
    const res = await h.request('GET', `/api/contacts/${contact.id}`, { token: admin.accessToken });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data.recentActivities.map((a: { subject: string }) => a.subject)).toEqual(['Second call', 'First call']);
    expect(res.headers.get('etag')).toBe(`"${contact.id.slice(0, 8)}-1"`);
  });

  it('updates with If-Match, unlinks the account with null, and deletes', async () => {
    const accountId = await account('Temporary');
    const contact = await create({ lastName: 'Update', accountId });
    const res = await h.request('PATCH', `/api/contacts/${contact.id}`, {
      token: admin.accessToken,
      headers: { 'if-match': `"${contact.id.slice(0, 8)}-1"` },
      body: { title: 'CTO', accountId: null, email: 'New@Mail.Example' },
    });
    expect(res.status).toBe(200);
    expect((await json(res)).data).toMatchObject({ title: 'CTO', accountId: null, email: 'new@mail.example' });
    expect(res.headers.get('etag')).toBe(`"${contact.id.slice(0, 8)}-2"`);
    expect((await h.request('DELETE', `/api/contacts/${contact.id}`, { token: admin.accessToken })).status).toBe(204);
    expect(await h.raw.query('select 1 from contacts where id = $1', [contact.id])).toEqual([]);
  });

  it('keeps the email of a record when it is saved again unchanged (not a conflict with itself)', async () => {
    const contact = await create({ lastName: 'Self', email: 'self@mail.example' });
    const res = await h.request('PATCH', `/api/contacts/${contact.id}`, { token: admin.accessToken, body: { email: 'SELF@mail.example' } });
    expect(res.status).toBe(200);
  });

  it('deleting an account unlinks its contacts', async () => {
    const accountId = await account('Doomed');
    const contact = await create({ lastName: 'Linked', accountId });
    expect((await h.request('DELETE', `/api/accounts/${accountId}`, { token: admin.accessToken })).status).toBe(204);
    const [row] = await h.raw.query<{ account_id: string | null }>('select account_id from contacts where id = $1', [contact.id]);
    expect(row?.account_id).toBeNull();
  });
});

describe('contacts list', () => {
  it('filters by owner, account and dates, searches names and email, sorts and pages', async () => {
    const accountId = await account('Filter Co');
    const a = await create({ firstName: 'Zed', lastName: 'Filterzz', email: 'zed@filter.example', accountId });
    const b = await create({ firstName: 'Amy', lastName: 'Filteraa', email: 'amy@filter.example' }, sales.accessToken);
    const c = await create({ firstName: 'Max', lastName: 'Filtermm', email: 'max@filter.example', accountId, ownerId: sales.userId });

    const ids = async (query: string) => {
      const res = await h.request('GET', `/api/contacts?${query}`, { token: admin.accessToken });
      expect(res.status, query).toBe(200);
      return (await json(res)).data.map((r: { id: string }) => r.id);
    };
    expect(await ids(`accountId=${accountId}`)).toEqual([c.id, a.id]);
    expect(await ids(`ownerId=${sales.userId}&q=filter`)).toEqual([c.id, b.id]);
    expect(await ids('q=filter&sort=lastName')).toEqual([b.id, c.id, a.id]);
    expect(await ids('q=filter&sort=-lastName')).toEqual([a.id, c.id, b.id]);
    expect(await ids('q=AMY@FILTER')).toEqual([b.id]);
    expect(await ids(`q=filter&createdAtFrom=${encodeURIComponent(b.createdAt)}&sort=createdAt`)).toEqual([b.id, c.id]);
    expect(await ids(`q=filter&createdAtTo=${encodeURIComponent(a.createdAt)}`)).toEqual([a.id]);
    expect(await ids(`q=filter&updatedAtFrom=${encodeURIComponent(c.updatedAt)}`)).toEqual([c.id]);

    const page1 = await json(await h.request('GET', '/api/contacts?q=filter&sort=lastName&limit=2&include=total', { token: admin.accessToken }));
    expect(page1.data.map((r: { id: string }) => r.id)).toEqual([b.id, c.id]);
    expect(page1.pagination.total).toBe(3);
    const page2 = await json(
      await h.request('GET', `/api/contacts?q=filter&sort=lastName&limit=2&cursor=${page1.pagination.nextCursor}`, { token: admin.accessToken }),
    );
    expect(page2.data.map((r: { id: string }) => r.id)).toEqual([a.id]);
    expect(page2.pagination.nextCursor).toBeNull();
  });

  it('ownerId=me means the caller', async () => {
    const mine = await create({ lastName: 'Meonly' }, sales.accessToken);
    const res = await json(await h.request('GET', '/api/contacts?ownerId=me&q=meonly', { token: sales.accessToken }));
    expect(res.data.map((r: { id: string }) => r.id)).toEqual([mine.id]);
  });
});
