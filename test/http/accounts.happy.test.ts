import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let manager: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  manager = await h.login('acme', 'manager');
});

async function create(body: Record<string, unknown>, token = admin.accessToken) {
  const res = await h.request('POST', '/api/accounts', { token, body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json(res)).data;
}

describe('accounts CRUD', () => {
  it('creates with the caller as owner, lower-cases the domain, answers Location and ETag', async () => {
    const res = await h.request('POST', '/api/accounts', {
      token: manager.accessToken,
      body: { name: 'Analytical Engines Ltd', domain: 'Analytical.Example', industry: 'Manufacturing', size: '11-50' },
    });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data).toMatchObject({
      name: 'Analytical Engines Ltd',
      domain: 'analytical.example',
      industry: 'Manufacturing',
      size: '11-50',
      ownerId: manager.userId,
      customFields: {},
    });
    expect(Object.keys(data).sort()).toEqual(['createdAt', 'customFields', 'domain', 'id', 'industry', 'name', 'ownerId', 'size', 'updatedAt']);
    expect(res.headers.get('location')).toBe(`/api/accounts/${data.id}`);
    expect(res.headers.get('etag')).toBe(`"${data.id.slice(0, 8)}-1"`);
  });

  it('embeds recent activities on GET', async () => {
    const account = await create({ name: 'With history' });
    const act = await h.request('POST', '/api/activities', {
      token: admin.accessToken,
      body: { type: 'meeting', subject: 'Kick-off', relatedTo: { type: 'account', id: account.id } },
    });
    expect(act.status).toBe(201);
    const { data } = await json(await h.request('GET', `/api/accounts/${account.id}`, { token: admin.accessToken }));
    expect(data.recentActivities).toHaveLength(1);
    expect(data.recentActivities[0]).toMatchObject({ type: 'meeting', subject: 'Kick-off' });
  });

  it('updates (clearing the domain with null) and deletes', async () => {
    const account = await create({ name: 'Mutable', domain: 'mutable.example' });
    const res = await h.request('PATCH', `/api/accounts/${account.id}`, { token: manager.accessToken, body: { name: 'Mutated', domain: null, size: '5000+' } });
    expect(res.status).toBe(200);
    expect((await json(res)).data).toMatchObject({ name: 'Mutated', domain: null, size: '5000+' });
    const [row] = await h.raw.query<{ version: number }>('select version from accounts where id = $1', [account.id]);
    expect(row?.version).toBe(2);
    expect((await h.request('DELETE', `/api/accounts/${account.id}`, { token: manager.accessToken })).status).toBe(204);
    expect(await h.raw.query('select 1 from accounts where id = $1', [account.id])).toEqual([]);
  });
});

describe('accounts list', () => {
  it('filters by industry (case-insensitive), size, owner and dates; searches name and domain; sorts by name', async () => {
    const a = await create({ name: 'Listco Zeta', domain: 'zeta-listco.example', industry: 'Retail', size: '1-10' });
    const b = await create({ name: 'Listco Alpha', industry: 'retail', size: '51-200' }, manager.accessToken);
    const c = await create({ name: 'Listco Mid', industry: 'Energy', size: '51-200' });
    const ids = async (query: string) => {
      const res = await h.request('GET', `/api/accounts?${query}`, { token: admin.accessToken });
      expect(res.status, query).toBe(200);
      return (await json(res)).data.map((r: { id: string }) => r.id);
    };
    expect(await ids('industry=RETAIL&sort=name')).toEqual([b.id, a.id]);
    expect(await ids('size=51-200,1-10&q=listco&sort=-name')).toEqual([a.id, c.id, b.id]);
    expect(await ids('size=51-200&q=listco&sort=name')).toEqual([b.id, c.id]);
    expect(await ids(`ownerId=${manager.userId}&q=listco`)).toEqual([b.id]);
    expect(await ids('q=zeta-listco')).toEqual([a.id]);
    expect(await ids(`q=listco&createdAtFrom=${encodeURIComponent(c.createdAt)}`)).toEqual([c.id]);
    expect(await ids(`q=listco&createdAtTo=${encodeURIComponent(a.createdAt)}`)).toEqual([a.id]);
    const total = await json(await h.request('GET', '/api/accounts?q=listco&include=total&limit=1', { token: admin.accessToken }));
    expect(total.pagination.total).toBe(3);
    expect(total.pagination.nextCursor).toEqual(expect.any(String));
  });
});
