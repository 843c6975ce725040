import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activities, leads } from '../../src/db/schema/index.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let sales: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  sales = await h.login('acme', 'sales_user');
});

const post = (token: string, body: Record<string, unknown>) => h.request('POST', '/api/activities', { token, body });
const list = async (query: string, token = admin.accessToken) => {
  const res = await h.request('GET', `/api/activities?${query}`, { token });
  expect(res.status).toBe(200);
  return (await json(res)) as { data: { id: string; subject: string }[]; pagination: { total?: number; nextCursor: string | null } };
};
const subjects = (body: { data: { subject: string }[] }) => body.data.map((a) => a.subject).sort();

async function lead(lastName: string) {
  const res = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { lastName } });
  expect(res.status).toBe(201);
  return (await json(res)).data.id as string;
}

describe('activities', () => {
  it('creates one related to a lead, shows relatedTo (never the raw columns), audits, and reads it back', async () => {
    const leadId = await lead('Related');
    const res = await post(sales.accessToken, {
      type: 'call',
      subject: 'Discovery call',
      body: 'Talked budgets',
      dueAt: '2026-05-01T10:00:00+02:00',
      relatedTo: { type: 'lead', id: leadId },
    });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data).toEqual({
      id: expect.any(String),
      type: 'call',
      subject: 'Discovery call',
      body: 'Talked budgets',
      dueAt: '2026-05-01T08:00:00.000Z',
      completedAt: null,
      relatedTo: { type: 'lead', id: leadId },
      ownerId: sales.userId,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.headers.get('location')).toBe(`/api/activities/${data.id}`);
    const [row] = await h.raw.query('select related_type, related_id from activities where id = $1', [data.id]);
    expect(row).toEqual({ related_type: 'lead', related_id: leadId });
    const get = await h.request('GET', `/api/activities/${data.id}`, { token: admin.accessToken });
    expect(get.status).toBe(200);
    expect(get.headers.get('etag')).toBe(res.headers.get('etag'));
    expect((await json(get)).data).toEqual(data);
    const audit = await h.raw.query<{ action: string; changes: { after: Record<string, unknown> } }>(
      'select action, changes from audit_logs where resource_id = $1',
      [data.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['activity.created']);
    expect(audit[0]?.changes.after.relatedTo).toEqual({ type: 'lead', id: leadId });
  });

  it('updates fields, moves and clears relatedTo, completes and deletes', async () => {
    const [a, b] = [await lead('First'), await lead('Second')];
    const { data } = await json(await post(admin.accessToken, { type: 'task', subject: 'Follow up', relatedTo: { type: 'lead', id: a } }));
    const moved = await h.request('PATCH', `/api/activities/${data.id}`, {
      token: admin.accessToken,
      body: { relatedTo: { type: 'lead', id: b }, completedAt: '2026-02-01T12:00:00Z', subject: 'Followed up' },
    });
    expect(moved.status).toBe(200);
    expect((await json(moved)).data).toMatchObject({ relatedTo: { type: 'lead', id: b }, completedAt: '2026-02-01T12:00:00.000Z', subject: 'Followed up' });
    // Omitting relatedTo leaves it as is; null clears both columns.
    const untouched = await json(await h.request('PATCH', `/api/activities/${data.id}`, { token: admin.accessToken, body: { body: 'notes' } }));
    expect(untouched.data.relatedTo).toEqual({ type: 'lead', id: b });
    const cleared = await json(
      await h.request('PATCH', `/api/activities/${data.id}`, { token: admin.accessToken, body: { relatedTo: null, completedAt: null } }),
    );
    expect(cleared.data).toMatchObject({ relatedTo: null, completedAt: null, body: 'notes' });
    const [row] = await h.raw.query('select related_type, related_id, completed_at from activities where id = $1', [data.id]);
    expect(row).toEqual({ related_type: null, related_id: null, completed_at: null });
    const audit = await h.raw.query<{ action: string; changes: Record<string, Record<string, unknown>> }>(
      "select action, changes from audit_logs where resource_id = $1 and action = 'activity.updated' order by created_at, id",
      [data.id],
    );
    expect(audit[0]?.changes.before?.relatedTo).toEqual({ type: 'lead', id: a });
    expect(audit[0]?.changes.after?.relatedTo).toEqual({ type: 'lead', id: b });

    expect((await h.request('DELETE', `/api/activities/${data.id}`, { token: admin.accessToken })).status).toBe(204);
    expect(await h.raw.query('select 1 from activities where id = $1', [data.id])).toHaveLength(0);
    expect((await h.request('GET', `/api/activities/${data.id}`, { token: admin.accessToken })).status).toBe(404);
  });

  it('filters by type, owner, related record, completion, overdue, dates and q', async () => {
    const leadId = await lead('Filters');
    const other = await lead('Elsewhere');
    const past = '2020-01-01T00:00:00Z';
    const future = '2999-01-01T00:00:00Z';
    const make = (token: string, body: Record<string, unknown>) => post(token, { relatedTo: { type: 'lead', id: leadId }, ...body });
    await make(admin.accessToken, { type: 'task', subject: 'flt overdue task', dueAt: past });
    await make(admin.accessToken, { type: 'task', subject: 'flt done task', dueAt: past, completedAt: '2020-01-02T00:00:00Z' });
    await make(admin.accessToken, { type: 'task', subject: 'flt future task', dueAt: future });
    await make(sales.accessToken, { type: 'call', subject: 'flt past call', dueAt: past });
    await make(sales.accessToken, { type: 'note', subject: 'flt note' });
    await post(admin.accessToken, { type: 'note', subject: 'flt other lead', relatedTo: { type: 'lead', id: other } });
    await post(admin.accessToken, { type: 'email', subject: 'flt unrelated' });

    expect(subjects(await list('q=flt&type=task'))).toEqual(['flt done task', 'flt future task', 'flt overdue task']);
    expect(subjects(await list('q=flt&type=call,note'))).toEqual(['flt note', 'flt other lead', 'flt past call']);
    expect(subjects(await list('q=flt&ownerId=me', sales.accessToken))).toEqual(['flt note', 'flt past call']);
    expect(subjects(await list(`q=flt&ownerId=${sales.userId}`))).toEqual(['flt note', 'flt past call']);
    expect(subjects(await list(`relatedType=lead&relatedId=${leadId}`))).toHaveLength(5);
    expect(subjects(await list(`relatedId=${other}`))).toEqual(['flt other lead']);
    expect(subjects(await list('q=flt&relatedType=contact'))).toEqual([]);
    expect(subjects(await list('q=flt&completed=true'))).toEqual(['flt done task']);
    expect(subjects(await list('q=flt&completed=false'))).toHaveLength(6);
    // Only tasks become overdue; a past call is not, nor a completed or future task.
    expect(subjects(await list('q=flt&overdue=true'))).toEqual(['flt overdue task']);
    expect(subjects(await list('q=flt&overdue=false'))).toHaveLength(6);
    expect(subjects(await list('q=flt&dueAtFrom=2019-12-31&dueAtTo=2020-01-31T00:00:00Z'))).toEqual(['flt done task', 'flt overdue task', 'flt past call']);
    expect(subjects(await list('q=flt&dueAtFrom=2100-01-01'))).toEqual(['flt future task']);
    expect(subjects(await list('q=flt&createdAtFrom=2999-01-01'))).toEqual([]);
    expect((await list('q=flt&include=total')).pagination.total).toBe(7);
  });

  it('sorts by createdAt/updatedAt and pages with a cursor, every row once', async () => {
    for (let i = 0; i < 5; i++) await post(admin.accessToken, { type: 'note', subject: `pg ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body = await list(`q=pg&sort=createdAt&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.data.map((a) => a.subject));
      cursor = body.pagination.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['pg 0', 'pg 1', 'pg 2', 'pg 3', 'pg 4']);
    const newest = await list('q=pg&sort=-updatedAt&limit=1');
    expect(newest.data.map((a) => a.subject)).toEqual(['pg 4']);
  });
});

describe('GET /api/leads/{id} embeds recent activities in one query', () => {
  /** Activities with explicit, distinct creation times (minute i) so the expected order is unambiguous. */
  async function activitiesOn(leadId: string, n: number, prefix: string) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const { data } = await json(await post(admin.accessToken, { type: 'note', subject: `${prefix} ${i}`, relatedTo: { type: 'lead', id: leadId } }));
      await h.raw.query("update activities set created_at = '2026-01-01T00:00:00Z'::timestamptz + make_interval(mins => $2) where id = $1", [data.id, i]);
      ids.push(data.id);
    }
    return ids;
  }

  it('returns the 10 most recent activities of that lead only, newest first', async () => {
    const leadId = await lead('Embedded');
    const ids = await activitiesOn(leadId, 12, 'emb');
    await activitiesOn(await lead('Neighbour'), 2, 'neighbour');
    await post(admin.accessToken, { type: 'note', subject: 'emb unrelated' });
    const res = await h.request('GET', `/api/leads/${leadId}`, { token: admin.accessToken });
    expect(res.status).toBe(200);
    const recent = (await json(res)).data.recentActivities as { id: string; subject: string; createdAt: string }[];
    expect(recent.map((a) => a.id)).toEqual(ids.slice(2).reverse());
    expect(recent[0]).toMatchObject({ subject: 'emb 11', type: 'note', createdAt: '2026-01-01T00:11:00.000Z' });
  });

  it('issues the same single statement with 0 or 10 activities: one query for lead + activities (credential cached)', async () => {
    const empty = await lead('NoActivities');
    const busy = await lead('TenActivities');
    await activitiesOn(busy, 10, 'n1');
    const measure = async (id: string) => {
      // Warm the credential cache (raw SQL above clears it), so only the data statement is counted.
      await h.request('GET', '/api/auth/me', { token: admin.accessToken });
      const { result, statements } = await h.countQueries(() => h.request('GET', `/api/leads/${id}`, { token: admin.accessToken }));
      expect(result.status).toBe(200);
      expect((await json(result)).data.recentActivities).toHaveLength(id === busy ? 10 : 0);
      return statements;
    };
    for (const statements of [await measure(empty), await measure(busy)]) {
      expect(statements).toHaveLength(1);
      // One statement reads the lead and, in a subquery, its activities.
      expect(statements[0]).toMatch(/from "leads"/);
      expect(statements[0]).toMatch(/from activities/);
    }
  });

  it.each([
    ['contacts', 'contact', "insert into contacts (tenant_id, last_name) values ($1, 'Embed') returning id"],
    ['accounts', 'account', "insert into accounts (tenant_id, name) values ($1, 'Embed') returning id"],
    [
      'deals',
      'deal',
      `with p as (insert into pipelines (tenant_id, name) values ($1, 'P') returning id),
            st as (insert into stages (tenant_id, pipeline_id, name, position, probability) select $1, id, 'S', 1, 10 from p returning id, pipeline_id)
       insert into deals (tenant_id, name, pipeline_id, stage_id) select $1, 'Embed', pipeline_id, id from st returning id`,
    ],
  ] as const)('GET /api/%s/{id} embeds its 10 latest activities in the same single query', async (resource, type, insert) => {
    const [record] = await h.raw.query<{ id: string }>(insert, [admin.tenantId]);
    const id = record?.id as string;
    for (let i = 0; i < 11; i++) {
      expect((await post(admin.accessToken, { type: 'call', subject: `${type} ${i}`, relatedTo: { type, id } })).status).toBe(201);
    }
    await h.request('GET', '/api/auth/me', { token: admin.accessToken });
    const { result, statements } = await h.countQueries(() => h.request('GET', `/api/${resource}/${id}`, { token: admin.accessToken }));
    expect(result.status).toBe(200);
    expect((await json(result)).data.recentActivities).toHaveLength(10);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(new RegExp(`from "${resource}"`));
    expect(statements[0]).toMatch(/from activities/);
  });

  it('the counter sees every statement: an emulated N+1 costs 1 + N queries', async () => {
    const leadId = await lead('NPlusOne');
    const tenantId = await h.tenantId('acme');
    for (const n of [3, 10]) {
      await activitiesOn(leadId, n === 3 ? 3 : 7, `np${n}`);
      const { statements } = await h.countQueries(() =>
        h.db.transaction(tenantId, async (q) => {
          await q.select().from(leads).where(eq(leads.id, leadId));
          const related = await q
            .select({ id: activities.id })
            .from(activities)
            .where(and(eq(activities.relatedType, 'lead'), eq(activities.relatedId, leadId)));
          for (const a of related) await q.select().from(activities).where(eq(activities.id, a.id));
          return related.length;
        }),
      );
      expect(statements).toHaveLength(2 + n);
    }
  });
});
