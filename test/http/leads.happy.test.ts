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

const create = (token: string, body: Record<string, unknown>) => h.request('POST', '/api/leads', { token, body });

describe('leads', () => {
  it('creates with defaults, Location and ETag, and reads it back with embedded activities', async () => {
    const res = await create(sales.accessToken, { firstName: 'Grace', lastName: 'Hopper', email: 'Grace@Navy.example', company: 'US Navy' });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data).toMatchObject({ email: 'grace@navy.example', status: 'new', score: 0, ownerId: sales.userId, customFields: {} });
    expect(data).not.toHaveProperty('tenantId');
    expect(res.headers.get('location')).toBe(`/api/leads/${data.id}`);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const get = await h.request('GET', `/api/leads/${data.id}`, { token: admin.accessToken });
    expect(get.status).toBe(200);
    expect(get.headers.get('etag')).toBe(etag);
    const body = await json(get);
    expect(body.data.recentActivities).toEqual([]);
    const audit = await h.raw.query<{ action: string }>('select action from audit_logs where resource_id = $1', [data.id]);
    expect(audit.map((a) => a.action)).toEqual(['lead.created']);
  });

  it('updates with a fresh If-Match and refuses a stale one with 412, leaving the row unchanged', async () => {
    const { data } = await json(await create(admin.accessToken, { lastName: 'Lovelace' }));
    const first = await h.request('GET', `/api/leads/${data.id}`, { token: admin.accessToken });
    const etag = first.headers.get('etag') as string;
    const ok = await h.request('PATCH', `/api/leads/${data.id}`, {
      token: admin.accessToken,
      body: { status: 'contacted', score: 40 },
      headers: { 'if-match': etag },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).not.toBe(etag);
    const stale = await h.request('PATCH', `/api/leads/${data.id}`, { token: admin.accessToken, body: { score: 99 }, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect((await json(stale)).error).toBe('precondition_failed');
    const rows = await h.raw.query<{ score: number; status: string }>('select score, status from leads where id = $1', [data.id]);
    expect(rows[0]).toEqual({ score: 40, status: 'contacted' });
    const staleDelete = await h.request('DELETE', `/api/leads/${data.id}`, { token: admin.accessToken, headers: { 'if-match': etag } });
    expect(staleDelete.status).toBe(412);
    const del = await h.request('DELETE', `/api/leads/${data.id}`, { token: admin.accessToken, headers: { 'if-match': ok.headers.get('etag') as string } });
    expect(del.status).toBe(204);
    expect((await h.request('GET', `/api/leads/${data.id}`, { token: admin.accessToken })).status).toBe(404);
  });

  it('deletes the activities of a deleted lead with it, and only those', async () => {
    const lead = (await json(await create(admin.accessToken, { lastName: 'Gone' }))).data.id;
    const kept = (await json(await create(admin.accessToken, { lastName: 'Kept' }))).data.id;
    for (const id of [lead, lead, kept]) {
      const res = await h.request('POST', '/api/activities', {
        token: admin.accessToken,
        body: { type: 'call', subject: 'Follow up', relatedTo: { type: 'lead', id } },
      });
      expect(res.status).toBe(201);
    }
    expect((await h.request('DELETE', `/api/leads/${lead}`, { token: admin.accessToken })).status).toBe(204);
    const left = await h.raw.query<{ related_id: string }>('select related_id from activities where related_id in ($1, $2)', [lead, kept]);
    expect(left).toEqual([{ related_id: kept }]);
    const [row] = await h.raw.query<{ changes: { activitiesDeleted: number } }>(
      `select changes from audit_logs where action = 'lead.deleted' and resource_id = $1`,
      [lead],
    );
    expect(row?.changes.activitiesDeleted).toBe(2);
  });

  it('loses no update when two writers race without If-Match (versions serialize them)', async () => {
    const { data } = await json(await create(admin.accessToken, { lastName: 'Race', score: 0 }));
    const results = await Promise.all(
      [10, 20, 30, 40].map((score) => h.request('PATCH', `/api/leads/${data.id}`, { token: admin.accessToken, body: { score } })),
    );
    const ok = results.filter((r) => r.status === 200).length;
    const rows = await h.raw.query<{ version: number }>('select version from leads where id = $1', [data.id]);
    // Every 200 is one version bump; a loser gets 412, never a silent overwrite.
    expect(rows[0]?.version).toBe(1 + ok);
    for (const r of results) expect([200, 412]).toContain(r.status);
  });

  it('filters, searches, sorts and pages through every row exactly once', async () => {
    const names = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot', 'Golf'];
    for (const [i, lastName] of names.entries()) {
      await create(admin.accessToken, {
        lastName,
        source: i % 2 ? 'web' : 'Event',
        score: i * 10,
        company: `Co ${lastName}`,
        email: `${lastName.toLowerCase()}@page.example`,
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await h.request('GET', `/api/leads?limit=3&sort=lastName&q=page.example${cursor ? `&cursor=${cursor}` : ''}`, {
        token: admin.accessToken,
      });
      const body: any = await json(res);
      seen.push(...body.data.map((l: { lastName: string }) => l.lastName));
      cursor = body.pagination.nextCursor;
    } while (cursor);
    expect(seen).toEqual(names);

    const web = await json(await h.request('GET', '/api/leads?source=WEB&q=page.example&include=total', { token: admin.accessToken }));
    expect(web.pagination.total).toBe(3);
    expect(web.data.every((l: { source: string }) => l.source === 'web')).toBe(true);

    const top = await json(await h.request('GET', '/api/leads?sort=-score&limit=2&q=page.example', { token: admin.accessToken }));
    expect(top.data.map((l: { score: number }) => l.score)).toEqual([60, 50]);

    const mine = await json(await h.request('GET', '/api/leads?ownerId=me&q=page.example&include=total', { token: admin.accessToken }));
    expect(mine.pagination.total).toBe(7);
    const status = await json(await h.request('GET', '/api/leads?status=new,contacted&q=co%20golf', { token: admin.accessToken }));
    expect(status.data.map((l: { lastName: string }) => l.lastName)).toEqual(['Golf']);

    const future = await json(await h.request('GET', '/api/leads?createdAtFrom=2999-01-01T00:00:00Z', { token: admin.accessToken }));
    expect(future.data).toEqual([]);
  });

  it('treats LIKE wildcards in q literally', async () => {
    await create(admin.accessToken, { lastName: 'Percent', company: '100% Real' });
    const res = await json(await h.request('GET', '/api/leads?q=%25&include=total', { token: admin.accessToken }));
    expect(res.data.map((l: { lastName: string }) => l.lastName)).toEqual(['Percent']);
  });

  it('visits every row exactly once while rows are inserted between pages', async () => {
    for (let i = 0; i < 6; i++) await create(admin.accessToken, { lastName: `Stable${i}`, email: `stable${i}@live.example` });
    const seen: string[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const body: any = await json(
        await h.request('GET', `/api/leads?limit=2&q=live.example${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.accessToken }),
      );
      seen.push(...body.data.map((l: { lastName: string }) => l.lastName));
      cursor = body.pagination.nextCursor;
      // Newer rows land before the cursor (newest-first order) and must not shift the pages.
      await create(admin.accessToken, { lastName: `Inserted${page++}`, email: `inserted${page}@live.example` });
    } while (cursor);
    const stable = seen.filter((n) => n.startsWith('Stable'));
    expect(stable.sort()).toEqual(['Stable0', 'Stable1', 'Stable2', 'Stable3', 'Stable4', 'Stable5']);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
