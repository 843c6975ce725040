import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let sales: Session;
let manager: Session;
interface Pipeline {
  id: string;
  stages: { id: string; name: string }[];
}
let main: Pipeline;
let renewals: Pipeline;
let accountId: string;
let contactId: string;

async function pipeline(name: string, stageNames: string[], isDefault = false): Promise<Pipeline> {
  const stages = stageNames.map((n, i) => ({ name: n, probability: (i + 1) * 10 }));
  const res = await h.request('POST', '/api/pipelines', { token: admin.accessToken, body: { name, isDefault, stages } });
  expect(res.status).toBe(201);
  return (await json(res)).data;
}

beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  sales = await h.login('acme', 'sales_user');
  manager = await h.login('acme', 'manager');
  main = await pipeline('Sales', ['Prospect', 'Proposal', 'Negotiation'], true);
  renewals = await pipeline('Renewals', ['Due', 'Renewed']);
  const [account] = await h.raw.query<{ id: string }>("insert into accounts (tenant_id, name) values ($1, 'Globex') returning id", [admin.tenantId]);
  const [contact] = await h.raw.query<{ id: string }>(
    "insert into contacts (tenant_id, last_name, email) values ($1, 'Simpson', 'homer@globex.example') returning id",
    [admin.tenantId],
  );
  accountId = account?.id as string;
  contactId = contact?.id as string;
});

const create = (body: Record<string, unknown>, token = sales.accessToken) => h.request('POST', '/api/deals', { token, body });
const update = (id: string, body: Record<string, unknown>, token = sales.accessToken) => h.request('PATCH', `/api/deals/${id}`, { token, body });

describe('deals', () => {
  it('creates in the default pipeline’s first stage, owned by the caller, and reads it back with recent activities', async () => {
    const res = await create({ name: 'Globex pilot', amount: 1_250_000, currency: 'EUR', expectedCloseDate: '2026-09-30', accountId, contactId });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data).toMatchObject({
      name: 'Globex pilot',
      amount: 1_250_000,
      currency: 'EUR',
      pipelineId: main.id,
      stageId: main.stages[0]?.id,
      expectedCloseDate: '2026-09-30',
      accountId,
      contactId,
      ownerId: sales.userId,
      status: 'open',
      lostReason: null,
      closedAt: null,
      customFields: {},
    });
    expect(data).not.toHaveProperty('tenantId');
    expect(res.headers.get('location')).toBe(`/api/deals/${data.id}`);
    await h.raw.query("insert into activities (tenant_id, type, subject, related_type, related_id) values ($1, 'call', 'Kick-off call', 'deal', $2)", [
      admin.tenantId,
      data.id,
    ]);
    const get = await h.request('GET', `/api/deals/${data.id}`, { token: admin.accessToken });
    expect(get.status).toBe(200);
    expect(get.headers.get('etag')).toBe(res.headers.get('etag'));
    const body = (await json(get)).data;
    expect(body.recentActivities.map((a: { subject: string }) => a.subject)).toEqual(['Kick-off call']);
    const audit = await h.raw.query<{ action: string }>('select action from audit_logs where resource_id = $1', [data.id]);
    expect(audit.map((a) => a.action)).toEqual(['deal.created']);
  });

  it('places a deal by pipeline (first stage), by stage (its pipeline), and defaults amount and currency', async () => {
    const byPipeline = (await json(await create({ name: 'Renewal A', pipelineId: renewals.id }))).data;
    expect([byPipeline.pipelineId, byPipeline.stageId]).toEqual([renewals.id, renewals.stages[0]?.id]);
    const byStage = (await json(await create({ name: 'Renewal B', stageId: renewals.stages[1]?.id }))).data;
    expect([byStage.pipelineId, byStage.stageId]).toEqual([renewals.id, renewals.stages[1]?.id]);
    expect([byStage.amount, byStage.currency]).toEqual([0, 'USD']);
  });

  it('moves between stages and pipelines with PATCH', async () => {
    const { data } = await json(await create({ name: 'Mover' }));
    const toProposal = await update(data.id, { stageId: main.stages[1]?.id });
    expect(toProposal.status).toBe(200);
    expect((await json(toProposal)).data.stageId).toBe(main.stages[1]?.id);
    const otherPipeline = (await json(await update(data.id, { pipelineId: renewals.id }))).data;
    expect([otherPipeline.pipelineId, otherPipeline.stageId]).toEqual([renewals.id, renewals.stages[0]?.id]);
    const both = (await json(await update(data.id, { pipelineId: main.id, stageId: main.stages[2]?.id }))).data;
    expect([both.pipelineId, both.stageId]).toEqual([main.id, main.stages[2]?.id]);
    const rows = await h.raw.query('select pipeline_id, stage_id from deals where id = $1', [data.id]);
    expect(rows[0]).toEqual({ pipeline_id: main.id, stage_id: main.stages[2]?.id });
    const audit = await h.raw.query<{ changes: { before: Record<string, unknown>; after: Record<string, unknown> } }>(
      "select changes from audit_logs where resource_id = $1 and action = 'deal.updated' order by created_at",
      [data.id],
    );
    expect(audit[0]?.changes).toEqual({ before: { stageId: main.stages[0]?.id }, after: { stageId: main.stages[1]?.id } });
  });

  it('stamps closedAt when won or lost, requires and then clears lostReason, and reopens', async () => {
    const { data } = await json(await create({ name: 'Closer', amount: 100 }));
    const won = (await json(await update(data.id, { status: 'won' }))).data;
    expect(won.status).toBe('won');
    expect(Date.now() - Date.parse(won.closedAt)).toBeLessThan(60_000);
    const reopened = (await json(await update(data.id, { status: 'open' }))).data;
    expect(reopened.closedAt).toBeNull();
    const lost = (await json(await update(data.id, { status: 'lost', lostReason: 'Budget cut' }))).data;
    expect(lost).toMatchObject({ status: 'lost', lostReason: 'Budget cut' });
    expect(lost.closedAt).not.toBeNull();
    // Other edits keep the close date and the reason.
    const renamed = (await json(await update(data.id, { name: 'Closer (lost)' }))).data;
    expect([renamed.closedAt, renamed.lostReason]).toEqual([lost.closedAt, 'Budget cut']);
    const back = (await json(await update(data.id, { status: 'open' }))).data;
    expect([back.lostReason, back.closedAt]).toEqual([null, null]);
    const lostAtCreate = (await json(await create({ name: 'Dead on arrival', status: 'lost', lostReason: 'No fit' }))).data;
    expect(lostAtCreate.closedAt).not.toBeNull();
  });

  it('filters, searches, sorts by amount and counts', async () => {
    const tag = `flt${Date.now()}`;
    const make = (name: string, body: Record<string, unknown>) => create({ name: `${tag} ${name}`, ...body }, admin.accessToken);
    await make('small', { amount: 10, currency: 'JPY', expectedCloseDate: '2026-01-15' });
    await make('large', { amount: 900, currency: 'USD', expectedCloseDate: '2026-03-01', accountId, ownerId: manager.userId });
    await make('medium', { amount: 500, currency: 'USD', stageId: renewals.stages[1]?.id, contactId, status: 'won' });
    const list = async (query: string) => {
      const res = await h.request('GET', `/api/deals?q=${tag}&${query}`, { token: admin.accessToken });
      expect(res.status).toBe(200);
      return json(res);
    };
    const names = async (query: string) => (await list(query)).data.map((d: { name: string }) => d.name.replace(`${tag} `, ''));
    expect(await names('sort=amount')).toEqual(['small', 'medium', 'large']);
    expect(await names('sort=-amount')).toEqual(['large', 'medium', 'small']);
    expect(await names('sort=name')).toEqual(['large', 'medium', 'small']);
    expect(await names('status=won')).toEqual(['medium']);
    expect(await names('status=open,lost&sort=amount')).toEqual(['small', 'large']);
    expect(await names(`pipelineId=${renewals.id}`)).toEqual(['medium']);
    expect(await names(`stageId=${main.stages[0]?.id}&sort=amount`)).toEqual(['small', 'large']);
    expect(await names(`accountId=${accountId}`)).toEqual(['large']);
    expect(await names(`contactId=${contactId}`)).toEqual(['medium']);
    expect(await names(`ownerId=${manager.userId}`)).toEqual(['large']);
    expect(await names('currency=jpy')).toEqual(['small']);
    expect(await names('expectedCloseDateFrom=2026-02-01&expectedCloseDateTo=2026-12-31')).toEqual(['large']);
    const page = await list('sort=amount&limit=2&include=total');
    expect(page.pagination.total).toBe(3);
    const next = await list(`sort=amount&limit=2&cursor=${page.pagination.nextCursor}`);
    expect(next.data.map((d: { name: string }) => d.name)).toEqual([`${tag} large`]);
    const mine = await json(await h.request('GET', '/api/deals?ownerId=me&limit=100', { token: sales.accessToken }));
    expect(mine.data.length).toBeGreaterThan(0);
    expect(mine.data.every((d: { ownerId: string }) => d.ownerId === sales.userId)).toBe(true);
  });

  it('lets a manager delete a deal (audited)', async () => {
    const { data } = await json(await create({ name: 'Doomed' }));
    expect((await h.request('DELETE', `/api/deals/${data.id}`, { token: manager.accessToken })).status).toBe(204);
    expect(await h.raw.query('select 1 from deals where id = $1', [data.id])).toHaveLength(0);
    const audit = await h.raw.query("select 1 from audit_logs where resource_id = $1 and action = 'deal.deleted'", [data.id]);
    expect(audit).toHaveLength(1);
  });
});
