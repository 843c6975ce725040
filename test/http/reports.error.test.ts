import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let support: Session;
beforeAll(async () => {
  h = await createHarness();
  [admin, support] = await Promise.all([h.login('acme', 'tenant_admin'), h.login('acme', 'support_user')]);
});

const get = (path: string, s: Session = admin) => h.request('GET', path, { token: s.accessToken });

async function expectError(res: Response, status: number, error: string, field?: string) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body.error).toBe(error);
  if (field) expect(body.details.map((d: { field: string }) => d.field)).toContain(field);
}

describe('reports: validation, permissions, tenancy', () => {
  it('refuses from after to, malformed dates, unknown parameters and bad uuids', async () => {
    await expectError(await get('/api/reports/funnel?from=2026-02-01&to=2026-01-01'), 400, 'validation_error', 'from');
    await expectError(await get('/api/reports/activity?from=2026-02-01T00:00:00Z&to=2026-01-31T00:00:00Z'), 400, 'validation_error', 'from');
    await expectError(await get('/api/reports/activity?from=yesterday'), 400, 'validation_error', 'from');
    await expectError(await get('/api/reports/funnel?owner=me'), 400, 'validation_error');
    await expectError(await get('/api/reports/pipeline?pipelineId=not-a-uuid'), 400, 'validation_error', 'pipelineId');
    await expectError(await get('/api/reports/pipeline?status=pending'), 400, 'validation_error', 'status');
  });

  it("answers 404 for another tenant's pipeline and for an unknown one, alike", async () => {
    const [theirs] = await h.raw.query<{ id: string }>('select id from pipelines where tenant_id = $1 limit 1', [await h.tenantId('mycompany')]);
    const foreign =
      theirs?.id ??
      (await h.raw.query<{ id: string }>(`insert into pipelines (tenant_id, name) values ($1, 'Theirs') returning id`, [await h.tenantId('mycompany')]))[0]!.id;
    const a = await get(`/api/reports/pipeline?pipelineId=${foreign}`);
    const b = await get(`/api/reports/pipeline?pipelineId=${crypto.randomUUID()}`);
    await expectError(a, 404, 'not_found');
    expect(b.status).toBe(404);
  });

  it('requires reports:read: support users and anonymous callers are refused', async () => {
    await expectError(await get('/api/reports/pipeline', support), 403, 'insufficient_permissions');
    await expectError(await h.request('GET', '/api/reports/funnel'), 401, 'unauthorized');
  });
});
