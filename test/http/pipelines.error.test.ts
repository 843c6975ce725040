import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
});

interface Stage {
  id: string;
  name: string;
  probability: number;
}
const stages3 = [
  { name: 'Lead', probability: 10 },
  { name: 'Offer', probability: 50 },
  { name: 'Closing', probability: 90 },
];

async function pipeline(name: string) {
  const res = await h.request('POST', '/api/pipelines', { token: admin.accessToken, body: { name, stages: stages3 } });
  expect(res.status).toBe(201);
  return (await json(res)).data as { id: string; stages: Stage[] };
}
const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  h.request('PATCH', `/api/pipelines/${id}`, { token: admin.accessToken, body, headers });
const stored = (id: string) =>
  h.raw.query(
    'select p.name, p.version, s.id, s.name as stage, s.position, s.probability from pipelines p join stages s on s.pipeline_id = p.id where p.id = $1 order by s.position',
    [id],
  );

async function expectError(res: Response, status: number, error: string, field?: string) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body.error).toBe(error);
  if (field) expect(body.details?.map((d: { field: string }) => d.field)).toContain(field);
  return body;
}

describe('pipelines: conflicts', () => {
  it('refuses to remove a stage that has deals (409 naming it) and changes nothing, not even the rename sent with it', async () => {
    const p = await pipeline('With deals');
    const [lead, offer, closing] = p.stages;
    const deal = await h.request('POST', '/api/deals', { token: admin.accessToken, body: { name: 'Busy', pipelineId: p.id, stageId: offer?.id } });
    expect(deal.status).toBe(201);
    const before = await stored(p.id);
    const res = await patch(p.id, {
      name: 'Renamed',
      stages: [
        { id: lead?.id, name: 'Lead renamed', probability: 20 },
        { id: closing?.id, name: 'Closing', probability: 90 },
      ],
    });
    const body = await expectError(res, 409, 'conflict', 'stages');
    expect(body.message).toContain('"Offer"');
    expect(await stored(p.id)).toEqual(before);
    expect(await h.raw.query("select 1 from audit_logs where resource_id = $1 and action = 'pipeline.updated'", [p.id])).toHaveLength(0);

    // Moving the deal away first makes the same change possible.
    const moved = await h.request('PATCH', `/api/deals/${(await json(deal)).data.id}`, { token: admin.accessToken, body: { stageId: closing?.id } });
    expect(moved.status).toBe(200);
    expect(
      (
        await patch(p.id, {
          stages: [
            { id: lead?.id, name: 'Lead', probability: 10 },
            { id: closing?.id, name: 'Closing', probability: 90 },
          ],
        })
      ).status,
    ).toBe(200);
    expect((await stored(p.id)).map((r) => r.stage)).toEqual(['Lead', 'Closing']);
  });

  it('refuses to delete a pipeline that has deals (409) and deletes nothing', async () => {
    const p = await pipeline('Delete me not');
    const deal = await h.request('POST', '/api/deals', { token: admin.accessToken, body: { name: 'Anchor', pipelineId: p.id } });
    expect(deal.status).toBe(201);
    await expectError(await h.request('DELETE', `/api/pipelines/${p.id}`, { token: admin.accessToken }), 409, 'conflict');
    expect(await stored(p.id)).toHaveLength(3);
    await h.request('DELETE', `/api/deals/${(await json(deal)).data.id}`, { token: admin.accessToken });
    expect((await h.request('DELETE', `/api/pipelines/${p.id}`, { token: admin.accessToken })).status).toBe(204);
  });

  it('answers 412 to a stale If-Match on PATCH and DELETE and leaves the pipeline as it was', async () => {
    const p = await pipeline('Versioned');
    const etag = (await h.request('GET', `/api/pipelines/${p.id}`, { token: admin.accessToken })).headers.get('etag') as string;
    expect((await patch(p.id, { name: 'Versioned 2' }, { 'if-match': etag })).status).toBe(200);
    const before = await stored(p.id);
    await expectError(await patch(p.id, { name: 'Lost update', stages: [{ name: 'Only', probability: 1 }] }, { 'if-match': etag }), 412, 'precondition_failed');
    await expectError(
      await h.request('DELETE', `/api/pipelines/${p.id}`, { token: admin.accessToken, headers: { 'if-match': etag } }),
      412,
      'precondition_failed',
    );
    expect(await stored(p.id)).toEqual(before);
  });

  it('answers 404 for an unknown pipeline', async () => {
    const missing = crypto.randomUUID();
    await expectError(await h.request('GET', `/api/pipelines/${missing}`, { token: admin.accessToken }), 404, 'not_found');
    await expectError(await patch(missing, { name: 'x' }), 404, 'not_found');
    await expectError(await h.request('DELETE', `/api/pipelines/${missing}`, { token: admin.accessToken }), 404, 'not_found');
  });
});

describe('pipelines: validation', () => {
  it.each([
    [{ name: 'No stages', stages: [] }, 'stages'],
    [{ name: 'Missing stages' }, 'stages'],
    [{ name: '', stages: stages3 }, 'name'],
    [{ name: 'Too likely', stages: [{ name: 'A', probability: 101 }] }, 'stages.0.probability'],
    [{ name: 'Negative', stages: [{ name: 'A', probability: -1 }] }, 'stages.0.probability'],
    [{ name: 'Fraction', stages: [{ name: 'A', probability: 1.5 }] }, 'stages.0.probability'],
    [
      {
        name: 'Twins',
        stages: [
          { name: 'Same', probability: 1 },
          { name: 'same', probability: 2 },
        ],
      },
      'stages.1.name',
    ],
    [{ name: 'Positioned', stages: [{ name: 'A', probability: 1, position: 7 }] }, 'stages.0.position'],
    [{ name: 'Id on create', stages: [{ id: crypto.randomUUID(), name: 'A', probability: 1 }] }, 'stages.0.id'],
    [{ name: 'Mass assignment', tenantId: crypto.randomUUID(), stages: stages3 }, 'tenantId'],
    [{ name: 'Too many', stages: Array.from({ length: 51 }, (_, i) => ({ name: `S${i}`, probability: 1 })) }, 'stages'],
  ])('create %j → 400 on %s, nothing stored', async (body, field) => {
    const before = await h.raw.query('select count(*)::int as n from pipelines');
    await expectError(await h.request('POST', '/api/pipelines', { token: admin.accessToken, body }), 400, 'validation_error', field);
    expect(await h.raw.query('select count(*)::int as n from pipelines')).toEqual(before);
  });

  it('refuses a PATCH naming a stage of another pipeline, or the same stage twice, and changes nothing', async () => {
    const p = await pipeline('Mine');
    const other = await pipeline('Other');
    const before = await stored(p.id);
    const otherBefore = await stored(other.id);
    const foreign = other.stages[0] as Stage;
    await expectError(await patch(p.id, { stages: [{ id: foreign.id, name: 'Stolen', probability: 5 }] }), 400, 'validation_error', 'stages.0.id');
    const twice = p.stages[0] as Stage;
    await expectError(
      await patch(p.id, {
        stages: [
          { id: twice.id, name: 'One', probability: 5 },
          { id: twice.id, name: 'Two', probability: 5 },
        ],
      }),
      400,
      'validation_error',
      'stages',
    );
    await expectError(await patch(p.id, { stages: [] }), 400, 'validation_error', 'stages');
    await expectError(await patch(p.id, { isDefault: 'yes' }), 400, 'validation_error', 'isDefault');
    await expectError(await patch(p.id, { version: 9 }), 400, 'validation_error', 'version');
    expect(await stored(p.id)).toEqual(before);
    expect(await stored(other.id)).toEqual(otherBefore);
  });
});

describe('pipelines: races with deals', () => {
  it('a stage removal racing deal creations ends in 409 or 400, never a server error or a deal in a removed stage', async () => {
    for (let round = 0; round < 5; round++) {
      const p = await pipeline(`Race ${round}`);
      const [keep, doomed] = p.stages as Stage[];
      const deals = Array.from({ length: 8 }, (_, i) =>
        h.request('POST', '/api/deals', { token: admin.accessToken, body: { name: `Racer ${round}.${i}`, pipelineId: p.id, stageId: doomed?.id } }),
      );
      const removal = patch(p.id, { stages: [{ id: keep?.id, name: keep?.name, probability: keep?.probability }] });
      const [removed, ...created] = await Promise.all([removal, ...deals]);
      expect([200, 409]).toContain(removed?.status);
      for (const res of created) expect([201, 400]).toContain(res.status);
      const inStage = await h.raw.query('select 1 from deals where stage_id = $1', [doomed?.id]);
      const stageLeft = await h.raw.query('select 1 from stages where id = $1', [doomed?.id]);
      expect(stageLeft).toHaveLength(removed?.status === 200 ? 0 : 1);
      expect(inStage).toHaveLength(created.filter((r) => r.status === 201).length);
    }
  });
});
