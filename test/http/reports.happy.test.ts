import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';
import { createKey } from './api-keys.helpers.ts';

/**
 * A small fixed data set in acme (its CRM rows deleted first), inserted as
 * the owner so created_at can be set; every expected number is hand-computed
 * in the comments. Amounts are minor units; weighted = amount × probability / 100.
 */
let h: Harness;
let admin: Session;
let manager: Session;
let sales: Session;
let readOnly: Session;
let acme: string;
const ids: Record<string, string> = {};

async function insert(sql: string, params: unknown[]): Promise<string> {
  const [row] = await h.raw.query<{ id: string }>(`${sql} returning id`, params);
  return row!.id;
}

beforeAll(async () => {
  h = await createHarness();
  ({ tenant_admin: admin, manager, sales_user: sales, read_only: readOnly } = await h.loginAll('acme'));
  acme = await h.tenantId('acme');
  for (const table of ['activities', 'deals', 'leads', 'contacts', 'accounts', 'stages', 'pipelines']) {
    await h.raw.query(`delete from ${table} where tenant_id = $1`, [acme]);
  }
  const pipeline = (name: string, isDefault: boolean, tenant = acme) =>
    insert('insert into pipelines (tenant_id, name, is_default) values ($1, $2, $3)', [tenant, name, isDefault]);
  const stage = (pipelineId: string, name: string, position: number, probability: number, tenant = acme) =>
    insert('insert into stages (tenant_id, pipeline_id, name, position, probability) values ($1, $2, $3, $4, $5)', [
      tenant,
      pipelineId,
      name,
      position,
      probability,
    ]);
  ids.main = await pipeline('Main', true);
  ids.other = await pipeline('Other', false);
  // Inserted out of position order: the report orders by position.
  ids.won = await stage(ids.main, 'Closing', 3, 100);
  ids.prospect = await stage(ids.main, 'Prospect', 1, 10);
  ids.proposal = await stage(ids.main, 'Proposal', 2, 35);
  ids.otherStage = await stage(ids.other, 'Only', 1, 50);
  const foreignPipeline = await pipeline('Theirs', true, await h.tenantId('mycompany'));
  ids.foreign = foreignPipeline;

  const deal = (name: string, stageId: string, pipelineId: string, amount: number, currency: string, status: string, owner: string) =>
    insert('insert into deals (tenant_id, name, pipeline_id, stage_id, amount, currency, status, owner_id) values ($1, $2, $3, $4, $5, $6, $7, $8)', [
      acme,
      name,
      pipelineId,
      stageId,
      amount,
      currency,
      status,
      owner,
    ]);
  await deal('d1', ids.prospect, ids.main, 1000, 'USD', 'open', sales.userId); // w 100
  await deal('d2', ids.prospect, ids.main, 2501, 'USD', 'open', manager.userId); // w 250.1
  await deal('d3', ids.prospect, ids.main, 333, 'EUR', 'open', sales.userId); // w 33.3
  await deal('d4', ids.proposal, ids.main, 1001, 'USD', 'open', sales.userId); // w 350.35
  await deal('d5', ids.proposal, ids.main, 20000, 'EUR', 'open', manager.userId); // w 7000
  await deal('d6', ids.won!, ids.main, 5000, 'USD', 'won', manager.userId); // w 5000
  await deal('d7', ids.proposal, ids.main, 999, 'USD', 'lost', sales.userId); // w 349.65
  await deal('d8', ids.otherStage, ids.other, 777, 'USD', 'open', sales.userId); // w 388.5

  const lead = (source: string | null, status: string, owner: string, createdAt: string, convertedAt: string | null = null) =>
    insert('insert into leads (tenant_id, last_name, source, status, owner_id, created_at, converted_at) values ($1, $2, $3, $4, $5, $6, $7)', [
      acme,
      'Lead',
      source,
      status,
      owner,
      createdAt,
      convertedAt,
    ]);
  await lead('web', 'new', sales.userId, '2026-01-02T10:00:00Z');
  await lead('web', 'contacted', sales.userId, '2026-01-03T10:00:00Z');
  await lead('web', 'qualified', manager.userId, '2026-01-04T10:00:00Z');
  await lead('web', 'converted', manager.userId, '2026-01-05T10:00:00Z', '2026-01-20T10:00:00Z');
  await lead('web', 'unqualified', sales.userId, '2026-01-06T10:00:00Z');
  await lead('referral', 'converted', sales.userId, '2026-01-01T00:00:00Z', '2026-01-15T00:00:00Z');
  await lead('referral', 'new', manager.userId, '2026-01-31T23:59:59Z');
  await lead(null, 'contacted', sales.userId, '2026-01-15T12:00:00Z');
  // Outside [2026-01-01, 2026-02-01).
  await lead('web', 'converted', sales.userId, '2025-12-31T23:59:59Z', '2026-01-02T00:00:00Z');
  await lead('web', 'new', sales.userId, '2026-02-01T00:00:00Z');

  const act = (type: string, owner: string | null, createdAt: string, dueAt: string | null = null, completedAt: string | null = null) =>
    insert('insert into activities (tenant_id, type, subject, owner_id, created_at, due_at, completed_at) values ($1, $2, $3, $4, $5, $6, $7)', [
      acme,
      type,
      'x',
      owner,
      createdAt,
      dueAt,
      completedAt,
    ]);
  await act('call', sales.userId, '2026-01-05T09:00:00Z');
  await act('call', sales.userId, '2026-01-06T09:00:00Z');
  await act('email', sales.userId, '2026-01-07T09:00:00Z');
  await act('task', sales.userId, '2026-01-08T09:00:00Z', '2026-01-10T09:00:00Z'); // overdue
  await act('task', sales.userId, '2026-01-08T10:00:00Z', '2026-01-11T09:00:00Z', '2026-01-11T08:00:00Z'); // done
  await act('note', manager.userId, '2026-01-08T09:00:00Z');
  await act('task', manager.userId, '2026-01-09T09:00:00Z', '2099-01-01T00:00:00Z'); // not yet due
  await act('call', manager.userId, '2026-02-05T09:00:00Z'); // out of range
  await act('task', manager.userId, '2025-12-15T09:00:00Z', '2025-12-20T09:00:00Z'); // out of range, overdue
  await act('note', null, '2026-01-10T09:00:00Z');
});

const get = (path: string, s: Session = admin) => h.request('GET', path, { token: s.accessToken });
/** The report's own statements: the credential lookup (when not cached) is not the report's. */
const reportStatements = (statements: string[]) => statements.filter((q) => !/from "users" inner join "tenants"/.test(q));

describe('GET /api/reports/pipeline', () => {
  it('open deals of the default pipeline per stage in position order, per currency, with weighted amounts', async () => {
    const { result: res, statements } = await h.countQueries(() => get('/api/reports/pipeline'));
    expect(res.status).toBe(200);
    // The pipeline and the aggregate, in one batch.
    expect(reportStatements(statements)).toHaveLength(2);
    const { data } = await json(res);
    expect(data.pipeline).toEqual({ id: ids.main, name: 'Main' });
    expect(data.status).toBe('open');
    expect(data.stages).toEqual([
      {
        stageId: ids.prospect,
        name: 'Prospect',
        position: 1,
        probability: 10,
        byCurrency: [
          { currency: 'EUR', count: 1, amount: 333, weightedAmount: 33.3 },
          { currency: 'USD', count: 2, amount: 3501, weightedAmount: 350.1 },
        ],
      },
      {
        stageId: ids.proposal,
        name: 'Proposal',
        position: 2,
        probability: 35,
        byCurrency: [
          { currency: 'EUR', count: 1, amount: 20000, weightedAmount: 7000 },
          { currency: 'USD', count: 1, amount: 1001, weightedAmount: 350.35 },
        ],
      },
      { stageId: ids.won, name: 'Closing', position: 3, probability: 100, byCurrency: [] },
    ]);
    expect(data.totals).toEqual([
      { currency: 'EUR', count: 2, amount: 20333, weightedAmount: 7033.3 },
      { currency: 'USD', count: 3, amount: 4502, weightedAmount: 700.45 },
    ]);
  });

  it('status=won / all, and another pipeline by id', async () => {
    const won = (await json(await get('/api/reports/pipeline?status=won'))).data;
    expect(won.stages.map((s: { byCurrency: unknown[] }) => s.byCurrency)).toEqual([
      [],
      [],
      [{ currency: 'USD', count: 1, amount: 5000, weightedAmount: 5000 }],
    ]);
    const all = (await json(await get(`/api/reports/pipeline?status=all&pipelineId=${ids.main}`))).data;
    // Proposal USD: d4 1001 (350.35) + d7 999 (349.65).
    expect(all.stages[1].byCurrency[1]).toEqual({ currency: 'USD', count: 2, amount: 2000, weightedAmount: 700 });
    expect(all.totals).toEqual([
      { currency: 'EUR', count: 2, amount: 20333, weightedAmount: 7033.3 },
      { currency: 'USD', count: 5, amount: 10501, weightedAmount: 6050.1 },
    ]);
    const other = (await json(await get(`/api/reports/pipeline?pipelineId=${ids.other}`))).data;
    expect(other.pipeline.name).toBe('Other');
    expect(other.totals).toEqual([{ currency: 'USD', count: 1, amount: 777, weightedAmount: 388.5 }]);
  });

  it('a sales user sees only deals they own; managers and read-only users see all', async () => {
    const mine = (await json(await get('/api/reports/pipeline', sales))).data;
    expect(mine.stages.map((s: { byCurrency: unknown[] }) => s.byCurrency)).toEqual([
      [
        { currency: 'EUR', count: 1, amount: 333, weightedAmount: 33.3 },
        { currency: 'USD', count: 1, amount: 1000, weightedAmount: 100 },
      ],
      [{ currency: 'USD', count: 1, amount: 1001, weightedAmount: 350.35 }],
      [],
    ]);
    expect(mine.totals).toEqual([
      { currency: 'EUR', count: 1, amount: 333, weightedAmount: 33.3 },
      { currency: 'USD', count: 2, amount: 2001, weightedAmount: 450.35 },
    ]);
    for (const s of [manager, readOnly]) expect((await json(await get('/api/reports/pipeline', s))).data.totals[1].count).toBe(3);
  });
});

describe('GET /api/reports/funnel', () => {
  it('counts leads created in the range by source; reached steps from status and conversion; rates of created', async () => {
    const { result: res, statements } = await h.countQueries(() => get('/api/reports/funnel?from=2026-01-01&to=2026-01-31'));
    expect(res.status).toBe(200);
    expect(reportStatements(statements)).toHaveLength(1);
    const { data } = await json(res);
    expect(data.range).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    expect(data.bySource).toEqual([
      { source: 'web', created: 5, contacted: 4, qualified: 2, converted: 1, contactedRate: 0.8, qualifiedRate: 0.4, conversionRate: 0.2 },
      { source: 'referral', created: 2, contacted: 1, qualified: 1, converted: 1, contactedRate: 0.5, qualifiedRate: 0.5, conversionRate: 0.5 },
      { source: null, created: 1, contacted: 1, qualified: 0, converted: 0, contactedRate: 1, qualifiedRate: 0, conversionRate: 0 },
    ]);
    expect(data.totals).toEqual({ created: 8, contacted: 6, qualified: 3, converted: 2, contactedRate: 0.75, qualifiedRate: 0.375, conversionRate: 0.25 });
  });

  it('filters by source (case-insensitive) and by date-times; a sales user counts only own leads', async () => {
    const web = (await json(await get('/api/reports/funnel?from=2026-01-01&to=2026-01-31&source=WEB'))).data;
    expect(web.bySource.map((r: { source: string }) => r.source)).toEqual(['web']);
    expect(web.totals.created).toBe(5);
    const narrow = (await json(await get('/api/reports/funnel?from=2026-01-03T00:00:00Z&to=2026-01-05T10:00:00Z'))).data;
    // Jan 3 and Jan 4 only: to is exclusive.
    expect(narrow.totals).toMatchObject({ created: 2, contacted: 2, qualified: 1, converted: 0 });
    const mine = (await json(await get('/api/reports/funnel?from=2026-01-01&to=2026-01-31', sales))).data;
    expect(mine.bySource).toEqual([
      { source: 'web', created: 3, contacted: 2, qualified: 0, converted: 0, contactedRate: 0.6667, qualifiedRate: 0, conversionRate: 0 },
      // Ties by count: sources alphabetically, no source last.
      { source: 'referral', created: 1, contacted: 1, qualified: 1, converted: 1, contactedRate: 1, qualifiedRate: 1, conversionRate: 1 },
      { source: null, created: 1, contacted: 1, qualified: 0, converted: 0, contactedRate: 1, qualifiedRate: 0, conversionRate: 0 },
    ]);
  });

  it('an empty range has zero counts and null rates', async () => {
    const { data } = await json(await get('/api/reports/funnel?from=2030-01-01&to=2030-01-02'));
    expect(data.bySource).toEqual([]);
    expect(data.totals).toEqual({ created: 0, contacted: 0, qualified: 0, converted: 0, contactedRate: null, qualifiedRate: null, conversionRate: null });
  });
});

describe('GET /api/reports/activity', () => {
  it('activities per user and type in the range, and overdue open tasks per user as of now', async () => {
    const { result: res, statements } = await h.countQueries(() => get('/api/reports/activity?from=2026-01-01&to=2026-01-31'));
    expect(res.status).toBe(200);
    expect(reportStatements(statements)).toHaveLength(3);
    const { data } = await json(res);
    expect(data.users).toEqual([
      { userId: sales.userId, name: expect.any(String), byType: { call: 2, email: 1, task: 2 }, total: 5, overdueTasks: 1 },
      { userId: manager.userId, name: expect.any(String), byType: { note: 1, task: 1 }, total: 2, overdueTasks: 1 },
      { userId: null, name: null, byType: { note: 1 }, total: 1, overdueTasks: 0 },
    ]);
    const mine = (await json(await get('/api/reports/activity?from=2026-01-01&to=2026-01-31', sales))).data;
    expect(mine.users).toEqual([{ userId: sales.userId, name: expect.any(String), byType: { call: 2, email: 1, task: 2 }, total: 5, overdueTasks: 1 }]);
  });
});

describe('reports through API keys', () => {
  it('a key with reports:read sees the whole tenant (keys own no records); without it, 403', async () => {
    const key = await createKey(h, admin.accessToken, { scopes: ['reports:read'] });
    const res = await h.request('GET', '/api/reports/pipeline', { token: key.secret });
    expect(res.status).toBe(200);
    expect((await json(res)).data.totals).toEqual([
      { currency: 'EUR', count: 2, amount: 20333, weightedAmount: 7033.3 },
      { currency: 'USD', count: 3, amount: 4502, weightedAmount: 700.45 },
    ]);
    const other = await createKey(h, admin.accessToken, { scopes: ['deals:read', 'leads:read'] });
    const refused = await h.request('GET', '/api/reports/funnel', { token: other.secret });
    expect(refused.status).toBe(403);
    expect((await json(refused)).error).toBe('insufficient_permissions');
  });
});
