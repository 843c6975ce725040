import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let otherAdmin: Session;
interface Pipeline {
  id: string;
  stages: { id: string }[];
}
let main: Pipeline;
let second: Pipeline;

async function pipeline(token: string, name: string, isDefault = false): Promise<Pipeline> {
  const stages = [
    { name: 'One', probability: 10 },
    { name: 'Two', probability: 60 },
  ];
  const res = await h.request('POST', '/api/pipelines', { token, body: { name, isDefault, stages } });
  expect(res.status).toBe(201);
  return (await json(res)).data;
}

beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  otherAdmin = await h.login('mycompany', 'tenant_admin');
  main = await pipeline(admin.accessToken, 'Main', true);
  second = await pipeline(admin.accessToken, 'Second');
});

const create = (body: unknown, token = admin.accessToken) => h.request('POST', '/api/deals', { token, body });
const dealCount = async () => (await h.raw.query<{ n: number }>('select count(*)::int as n from deals'))[0]?.n;

async function expectError(res: Response, status: number, error: string, field?: string) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body.error).toBe(error);
  if (field) expect(body.details?.map((d: { field: string }) => d.field)).toContain(field);
  return body;
}

async function expectRefused(body: unknown, field: string) {
  const before = await dealCount();
  await expectError(await create(body), 400, 'validation_error', field);
  expect(await dealCount()).toBe(before);
}

describe('deals: validation on create (nothing stored)', () => {
  it('refuses a stage that is not in the given pipeline, or does not exist', async () => {
    await expectRefused({ name: 'Mismatch', pipelineId: main.id, stageId: second.stages[0]?.id }, 'stageId');
    await expectRefused({ name: 'Ghost stage', stageId: crypto.randomUUID() }, 'stageId');
    await expectRefused({ name: 'Ghost pipeline', pipelineId: crypto.randomUUID() }, 'pipelineId');
  });

  it('refuses lost without a reason, and a reason on a deal that is not lost', async () => {
    await expectRefused({ name: 'Lost', status: 'lost' }, 'lostReason');
    await expectRefused({ name: 'Lost', status: 'lost', lostReason: '   ' }, 'lostReason');
    await expectRefused({ name: 'Open', lostReason: 'Why?' }, 'lostReason');
    await expectRefused({ name: 'Won', status: 'won', lostReason: 'Why?' }, 'lostReason');
  });

  it.each([['usd'], ['US'], ['USDX'], ['XYZ'], ['ABC'], ['123'], [''], [840]])('refuses currency %j', async (currency) => {
    await expectRefused({ name: 'Money', amount: 100, currency }, 'currency');
  });

  it('accepts real ISO 4217 codes', async () => {
    for (const currency of ['EUR', 'JPY', 'CHF', 'BHD']) expect((await create({ name: `In ${currency}`, currency })).status).toBe(201);
  });

  it.each([[-1], [1.5], [Number.MAX_SAFE_INTEGER + 1], ['100'], [null], [1e308]])('refuses amount %j', async (amount) => {
    await expectRefused({ name: 'Amount', amount, currency: 'USD' }, 'amount');
  });

  it('accepts the amount bounds 0 and Number.MAX_SAFE_INTEGER exactly', async () => {
    for (const amount of [0, Number.MAX_SAFE_INTEGER]) {
      const res = await create({ name: `Amount ${amount}`, amount, currency: 'USD' });
      expect(res.status).toBe(201);
      const { data } = await json(res);
      expect(data.amount).toBe(amount);
      const rows = await h.raw.query<{ amount: string }>('select amount::text as amount from deals where id = $1', [data.id]);
      expect(rows[0]?.amount).toBe(String(amount));
    }
  });

  it.each([
    [{ name: '' }, 'name'],
    [{}, 'name'],
    [{ name: 'Date', expectedCloseDate: '2026-13-01' }, 'expectedCloseDate'],
    [{ name: 'Date', expectedCloseDate: '30/09/2026' }, 'expectedCloseDate'],
    [{ name: 'Status', status: 'pending' }, 'status'],
    [{ name: 'Closed', closedAt: '2026-01-01T00:00:00Z' }, 'closedAt'],
    [{ name: 'Mass', tenantId: crypto.randomUUID() }, 'tenantId'],
    [{ name: 'Mass', id: crypto.randomUUID() }, 'id'],
    [{ name: 'Mass', createdAt: '2020-01-01T00:00:00Z' }, 'createdAt'],
    [{ name: 'Mass', version: 3 }, 'version'],
    [{ name: 'Bad id', contactId: 'not-a-uuid' }, 'contactId'],
  ])('refuses %j (400 on %s)', async (body, field) => {
    await expectRefused(body, field);
  });

  it('needs a pipeline when the tenant has no default one', async () => {
    await pipeline(otherAdmin.accessToken, 'Not default');
    const before = await dealCount();
    const res = await create({ name: 'Nowhere' }, otherAdmin.accessToken);
    await expectError(res, 400, 'validation_error', 'pipelineId');
    expect(await dealCount()).toBe(before);
  });
});

describe('deals: validation on update (row unchanged)', () => {
  it('refuses a stage outside the deal’s pipeline, or outside the new pipeline when both change', async () => {
    const { data } = await json(await create({ name: 'Stay', amount: 5 }));
    const row = async () => (await h.raw.query('select * from deals where id = $1', [data.id]))[0];
    const before = await row();
    const patch = (body: unknown) => h.request('PATCH', `/api/deals/${data.id}`, { token: admin.accessToken, body });
    await expectError(await patch({ stageId: second.stages[1]?.id }), 400, 'validation_error', 'stageId');
    await expectError(await patch({ pipelineId: second.id, stageId: main.stages[1]?.id }), 400, 'validation_error', 'stageId');
    await expectError(await patch({ status: 'lost' }), 400, 'validation_error', 'lostReason');
    await expectError(await patch({ amount: -5 }), 400, 'validation_error', 'amount');
    await expectError(await patch({ currency: 'eur' }), 400, 'validation_error', 'currency');
    await expectError(await patch({ closedAt: null }), 400, 'validation_error', 'closedAt');
    expect(await row()).toEqual(before);

    const lost = await patch({ status: 'lost', lostReason: 'Price' });
    expect(lost.status).toBe(200);
    const lostRow = await row();
    await expectError(await patch({ lostReason: null }), 400, 'validation_error', 'lostReason');
    expect(await row()).toEqual(lostRow);
  });

  it('answers 412 to a stale If-Match and 404 to an unknown deal', async () => {
    const created = await create({ name: 'Versioned' });
    const etag = created.headers.get('etag') as string;
    const { data } = await json(created);
    const patch = (body: unknown, headers: Record<string, string> = {}) =>
      h.request('PATCH', `/api/deals/${data.id}`, { token: admin.accessToken, body, headers });
    expect((await patch({ amount: 1 }, { 'if-match': etag })).status).toBe(200);
    await expectError(await patch({ amount: 2 }, { 'if-match': etag }), 412, 'precondition_failed');
    const rows = await h.raw.query<{ amount: number }>('select amount::int as amount from deals where id = $1', [data.id]);
    expect(rows[0]?.amount).toBe(1);
    await expectError(await h.request('GET', `/api/deals/${crypto.randomUUID()}`, { token: admin.accessToken }), 404, 'not_found');
    await expectError(await h.request('PATCH', `/api/deals/${crypto.randomUUID()}`, { token: admin.accessToken, body: { amount: 1 } }), 404, 'not_found');
  });

  it('refuses unknown list parameters and sort fields', async () => {
    await expectError(await h.request('GET', '/api/deals?sort=stageId', { token: admin.accessToken }), 400, 'validation_error', 'sort');
    await expectError(await h.request('GET', '/api/deals?status=pending', { token: admin.accessToken }), 400, 'validation_error');
    await expectError(await h.request('GET', '/api/deals?expectedCloseDateFrom=soon', { token: admin.accessToken }), 400, 'validation_error');
  });
});
