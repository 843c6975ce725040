import { beforeAll, describe, expect, it } from 'vitest';
import { type Role, roles } from '../../src/db/schema/index.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let s: Record<Role, Session>;
let other: Session;
interface Pipeline {
  id: string;
  stages: { id: string }[];
}
let ours: Pipeline;
let theirs: Pipeline;
const foreign = {} as { contactId: string; accountId: string; ownerId: string };

async function pipeline(token: string, name: string): Promise<Pipeline> {
  const stages = [
    { name: 'Open', probability: 10 },
    { name: 'Late', probability: 70 },
  ];
  const res = await h.request('POST', '/api/pipelines', { token, body: { name, isDefault: true, stages } });
  expect(res.status).toBe(201);
  return (await json(res)).data;
}

beforeAll(async () => {
  h = await createHarness();
  s = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
  ours = await pipeline(s.tenant_admin.accessToken, 'Ours');
  theirs = await pipeline(other.accessToken, 'Theirs');
  const [contact] = await h.raw.query<{ id: string }>("insert into contacts (tenant_id, last_name) values ($1, 'Foreign') returning id", [other.tenantId]);
  const [account] = await h.raw.query<{ id: string }>("insert into accounts (tenant_id, name) values ($1, 'Foreign Inc') returning id", [other.tenantId]);
  Object.assign(foreign, { contactId: contact?.id, accountId: account?.id, ownerId: other.userId });
});

async function dealOwnedBy(owner: Session, name = 'Owned') {
  const res = await h.request('POST', '/api/deals', { token: s.tenant_admin.accessToken, body: { name, ownerId: owner.userId } });
  expect(res.status).toBe(201);
  return (await json(res)).data.id as string;
}
const row = async (id: string) => (await h.raw.query('select * from deals where id = $1', [id]))[0];

describe('deals RBAC (SPEC section 5)', () => {
  it.each([
    ['tenant_admin', 201],
    ['manager', 201],
    ['sales_user', 201],
    ['support_user', 403],
    ['read_only', 403],
  ] as const)('%s create → %i', async (role, status) => {
    const before = await h.raw.query('select count(*)::int as n from deals');
    const res = await h.request('POST', '/api/deals', { token: s[role].accessToken, body: { name: `By ${role}` } });
    expect(res.status).toBe(status);
    if (status === 403) {
      expect((await json(res)).error).toBe('insufficient_permissions');
      expect(await h.raw.query('select count(*)::int as n from deals')).toEqual(before);
    }
  });

  it.each(roles)('%s can list and read', async (role) => {
    const id = await dealOwnedBy(s.manager);
    expect((await h.request('GET', '/api/deals', { token: s[role].accessToken })).status).toBe(200);
    expect((await h.request('GET', `/api/deals/${id}`, { token: s[role].accessToken })).status).toBe(200);
  });

  it.each([
    ['tenant_admin', 200, 204],
    ['manager', 200, 204],
    ['sales_user', 403, 403],
    ['support_user', 403, 403],
    ['read_only', 403, 403],
  ] as const)('%s on someone else’s deal: update → %i, delete → %i', async (role, updateStatus, deleteStatus) => {
    const owner = role === 'tenant_admin' ? s.manager : s.tenant_admin;
    const id = await dealOwnedBy(owner);
    const before = await row(id);
    const res = await h.request('PATCH', `/api/deals/${id}`, { token: s[role].accessToken, body: { amount: 777, stageId: ours.stages[1]?.id } });
    expect(res.status).toBe(updateStatus);
    if (updateStatus === 403) expect(await row(id)).toEqual(before);
    const del = await h.request('DELETE', `/api/deals/${id}`, { token: s[role].accessToken });
    expect(del.status).toBe(deleteStatus);
    expect(await h.raw.query('select 1 from deals where id = $1', [id])).toHaveLength(deleteStatus === 204 ? 0 : 1);
  });

  it('lets a sales user update own deals only, and not hand them to someone else', async () => {
    const own = await dealOwnedBy(s.sales_user, 'Mine');
    const ok = await h.request('PATCH', `/api/deals/${own}`, { token: s.sales_user.accessToken, body: { stageId: ours.stages[1]?.id, status: 'won' } });
    expect(ok.status).toBe(200);
    const before = await row(own);
    const handOff = await h.request('PATCH', `/api/deals/${own}`, { token: s.sales_user.accessToken, body: { ownerId: s.manager.userId } });
    expect(handOff.status).toBe(403);
    expect(await row(own)).toEqual(before);
    const createForOther = await h.request('POST', '/api/deals', {
      token: s.sales_user.accessToken,
      body: { name: 'For the boss', ownerId: s.manager.userId },
    });
    expect(createForOther.status).toBe(403);
    expect(await h.raw.query("select 1 from deals where name = 'For the boss'")).toHaveLength(0);
  });
});

describe('deals tenant isolation', () => {
  it.each([
    ['pipelineId', () => ({ pipelineId: theirs.id })],
    ['stageId', () => ({ stageId: theirs.stages[0]?.id })],
    ['stageId', () => ({ pipelineId: ours.id, stageId: theirs.stages[1]?.id })],
    ['contactId', () => ({ contactId: foreign.contactId })],
    ['accountId', () => ({ accountId: foreign.accountId })],
    ['ownerId', () => ({ ownerId: foreign.ownerId })],
  ])('create with another tenant’s %s → 400, nothing created', async (field, refs) => {
    const name = `Cross ${field} ${crypto.randomUUID()}`;
    const res = await h.request('POST', '/api/deals', { token: s.tenant_admin.accessToken, body: { name, ...refs() } });
    expect(res.status).toBe(400);
    expect((await json(res)).details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await h.raw.query('select 1 from deals where name = $1', [name])).toHaveLength(0);
  });

  it.each([
    ['pipelineId', () => ({ pipelineId: theirs.id })],
    ['stageId', () => ({ stageId: theirs.stages[1]?.id })],
    ['contactId', () => ({ contactId: foreign.contactId })],
    ['accountId', () => ({ accountId: foreign.accountId })],
    ['ownerId', () => ({ ownerId: foreign.ownerId })],
  ])('update with another tenant’s %s → 400, nothing linked', async (field, refs) => {
    const id = await dealOwnedBy(s.manager);
    const before = await row(id);
    const res = await h.request('PATCH', `/api/deals/${id}`, { token: s.tenant_admin.accessToken, body: refs() });
    expect(res.status).toBe(400);
    expect((await json(res)).details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await row(id)).toEqual(before);
  });

  it('hides another tenant’s deals: 404 on read, update and delete; absent from lists and filters', async () => {
    const res = await h.request('POST', '/api/deals', { token: other.accessToken, body: { name: 'Their secret deal' } });
    expect(res.status).toBe(201);
    const id = (await json(res)).data.id as string;
    const before = await row(id);
    const token = s.tenant_admin.accessToken;
    expect((await h.request('GET', `/api/deals/${id}`, { token })).status).toBe(404);
    expect((await h.request('PATCH', `/api/deals/${id}`, { token, body: { name: 'Mine now' } })).status).toBe(404);
    expect((await h.request('DELETE', `/api/deals/${id}`, { token })).status).toBe(404);
    const byPipeline = await json(await h.request('GET', `/api/deals?pipelineId=${theirs.id}&include=total`, { token }));
    expect(byPipeline.data).toEqual([]);
    expect(byPipeline.pagination.total).toBe(0);
    const search = await json(await h.request('GET', '/api/deals?q=secret', { token }));
    expect(search.data).toEqual([]);
    expect(await row(id)).toEqual(before);
  });
});
