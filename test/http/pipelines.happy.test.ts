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

const stages3 = [
  { name: 'Qualification', probability: 10 },
  { name: 'Proposal', probability: 50 },
  { name: 'Negotiation', probability: 80 },
];
const create = (body: Record<string, unknown>, token = admin.accessToken) => h.request('POST', '/api/pipelines', { token, body });
const patch = (id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  h.request('PATCH', `/api/pipelines/${id}`, { token: manager.accessToken, body, headers });
const defaults = () =>
  h.raw.query<{ name: string }>("select name from pipelines where is_default and tenant_id = (select id from tenants where slug = 'acme') order by name");

describe('pipelines', () => {
  it('creates a pipeline with ordered stages, Location and ETag, and reads it back in order', async () => {
    const res = await create({ name: 'Sales', stages: stages3 });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data).toMatchObject({ name: 'Sales', isDefault: false });
    expect(data).not.toHaveProperty('tenantId');
    expect(data).not.toHaveProperty('version');
    expect(data.stages.map((s: { name: string; probability: number; position: number }) => [s.name, s.probability, s.position])).toEqual([
      ['Qualification', 10, 1],
      ['Proposal', 50, 2],
      ['Negotiation', 80, 3],
    ]);
    expect(res.headers.get('location')).toBe(`/api/pipelines/${data.id}`);
    const get = await h.request('GET', `/api/pipelines/${data.id}`, { token: (await h.login('acme', 'read_only')).accessToken });
    expect(get.status).toBe(200);
    expect(get.headers.get('etag')).toBe(res.headers.get('etag'));
    expect((await json(get)).data).toEqual(data);
    const stored = await h.raw.query<{ n: number }>('select count(*)::int as n from stages where pipeline_id = $1', [data.id]);
    expect(stored[0]?.n).toBe(3);
    const audit = await h.raw.query<{ action: string; changes: { after: { stages: unknown[] } } }>(
      'select action, changes from audit_logs where resource_id = $1',
      [data.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['pipeline.created']);
    expect(audit[0]?.changes.after.stages).toHaveLength(3);
  });

  it('replaces, reorders, renames and adds stages in one PATCH, keeping the ids of kept stages', async () => {
    const { data } = await json(await create({ name: 'Reorder', stages: stages3 }));
    const [qual, prop, nego] = data.stages as { id: string }[];
    const etag = (await h.request('GET', `/api/pipelines/${data.id}`, { token: admin.accessToken })).headers.get('etag') as string;
    const res = await patch(
      data.id,
      {
        name: 'Reordered',
        stages: [
          { id: nego?.id, name: 'Negotiation', probability: 85 },
          { name: 'Demo', probability: 30 },
          { id: qual?.id, name: 'Discovery', probability: 5 },
        ],
      },
      { 'if-match': etag },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(etag);
    const body = (await json(res)).data;
    expect(body.name).toBe('Reordered');
    expect(body.stages.map((s: { id: string; name: string; probability: number; position: number }) => [s.name, s.probability, s.position])).toEqual([
      ['Negotiation', 85, 1],
      ['Demo', 30, 2],
      ['Discovery', 5, 3],
    ]);
    expect(body.stages[0].id).toBe(nego?.id);
    expect(body.stages[2].id).toBe(qual?.id);
    expect([qual?.id, prop?.id, nego?.id]).not.toContain(body.stages[1].id);
    const rows = await h.raw.query<{ id: string; name: string; position: number }>(
      'select id, name, position from stages where pipeline_id = $1 order by position',
      [data.id],
    );
    expect(rows.map((r) => r.name)).toEqual(['Negotiation', 'Demo', 'Discovery']);
    expect(rows.map((r) => r.id)).not.toContain(prop?.id);
    const audit = await h.raw.query<{ changes: { before: Record<string, unknown>; after: Record<string, unknown> } }>(
      "select changes from audit_logs where resource_id = $1 and action = 'pipeline.updated'",
      [data.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.changes.before.name).toBe('Reorder');
    expect(audit[0]?.changes.after.name).toBe('Reordered');
    expect(audit[0]?.changes.after.stages as unknown[]).toHaveLength(3);

    const get = await json(await h.request('GET', `/api/pipelines/${data.id}`, { token: admin.accessToken }));
    expect(get.data).toEqual(body);
  });

  it('keeps exactly one default pipeline: a new default replaces the old one, audited', async () => {
    const first = (await json(await create({ name: 'Default A', isDefault: true, stages: stages3 }))).data;
    expect(await defaults()).toEqual([{ name: 'Default A' }]);
    const second = (await json(await create({ name: 'Default B', isDefault: true, stages: stages3 }))).data;
    expect(second.isDefault).toBe(true);
    expect(await defaults()).toEqual([{ name: 'Default B' }]);
    const unset = await h.raw.query<{ changes: unknown }>("select changes from audit_logs where resource_id = $1 and action = 'pipeline.updated'", [first.id]);
    expect(unset.map((u) => u.changes)).toEqual([{ before: { isDefault: true }, after: { isDefault: false } }]);
    // The unset pipeline's ETag changes too, so a client holding the old one gets 412.
    const staleEtag = `"${first.id.slice(0, 8)}-1"`;
    expect((await patch(first.id, { name: 'x' }, { 'if-match': staleEtag })).status).toBe(412);

    expect((await patch(first.id, { isDefault: true })).status).toBe(200);
    expect(await defaults()).toEqual([{ name: 'Default A' }]);
    expect((await patch(first.id, { isDefault: false })).status).toBe(200);
    expect(await defaults()).toEqual([]);
  });

  it('lets only one of several concurrent "make default" requests win', async () => {
    const racers = await Promise.all(
      ['Race A', 'Race B', 'Race C', 'Race D', 'Race E', 'Race F'].map(async (name) => (await json(await create({ name, stages: stages3 }))).data),
    );
    const results = await Promise.all(racers.map((p) => patch(p.id, { isDefault: true })));
    expect(results.map((r) => r.status)).toEqual(racers.map(() => 200));
    expect(await defaults()).toHaveLength(1);
  });

  it('lists newest first with stages, keyset cursor pages, and deletes a pipeline with its stages', async () => {
    const page1 = await json(await h.request('GET', '/api/pipelines?limit=2', { token: admin.accessToken }));
    expect(page1.data).toHaveLength(2);
    expect(page1.data[0].name).toMatch(/^Race /);
    expect(page1.data[0].stages.map((s: { position: number }) => s.position)).toEqual([1, 2, 3]);
    const page2 = await json(await h.request('GET', `/api/pipelines?limit=2&cursor=${page1.pagination.nextCursor}`, { token: admin.accessToken }));
    expect(page2.data[0].name).not.toBe(page1.data[1].name);
    const all = await json(await h.request('GET', '/api/pipelines?limit=100', { token: admin.accessToken }));
    const order = await h.raw.query<{ id: string }>(
      "select id from pipelines where tenant_id = (select id from tenants where slug = 'acme') order by created_at desc, id desc",
    );
    expect(all.data.map((p: { id: string }) => p.id)).toEqual(order.map((r) => r.id));
    expect([...page1.data, ...page2.data].map((p: { id: string }) => p.id)).toEqual(order.slice(0, 4).map((r) => r.id));
    expect(all.data.every((p: { stages: unknown[] }) => p.stages.length > 0)).toBe(true);

    const victim = all.data.find((p: { name: string }) => p.name === 'Race A');
    const del = await h.request('DELETE', `/api/pipelines/${victim.id}`, { token: manager.accessToken });
    expect(del.status).toBe(204);
    expect(await h.raw.query('select 1 from stages where pipeline_id = $1', [victim.id])).toHaveLength(0);
    expect((await h.request('GET', `/api/pipelines/${victim.id}`, { token: admin.accessToken })).status).toBe(404);
    const audit = await h.raw.query<{ action: string }>("select action from audit_logs where resource_id = $1 and action = 'pipeline.deleted'", [victim.id]);
    expect(audit).toHaveLength(1);
  });
});
