import { beforeAll, describe, expect, it } from 'vitest';
import { type Role, roles } from '../../src/db/schema/index.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let s: Record<Role, Session>;
let other: Session;
beforeAll(async () => {
  h = await createHarness();
  s = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
});

const stages2 = [
  { name: 'Open', probability: 20 },
  { name: 'Closing', probability: 80 },
];
async function pipeline(token: string, name: string, isDefault = false) {
  const res = await h.request('POST', '/api/pipelines', { token, body: { name, isDefault, stages: stages2 } });
  expect(res.status).toBe(201);
  return (await json(res)).data as { id: string; stages: { id: string }[] };
}
const snapshot = (id: string) =>
  h.raw.query(
    'select p.name, p.is_default, p.version, s.id, s.name as stage, s.position from pipelines p left join stages s on s.pipeline_id = p.id where p.id = $1 order by s.position',
    [id],
  );

describe('pipelines RBAC (pipelines: manager/admin write, everyone reads)', () => {
  it.each(roles)('%s can list and read', async (role) => {
    const p = await pipeline(s.tenant_admin.accessToken, `Readable by ${role}`);
    expect((await h.request('GET', '/api/pipelines', { token: s[role].accessToken })).status).toBe(200);
    expect((await h.request('GET', `/api/pipelines/${p.id}`, { token: s[role].accessToken })).status).toBe(200);
  });

  it.each([
    ['tenant_admin', 201, 200, 204],
    ['manager', 201, 200, 204],
    ['sales_user', 403, 403, 403],
    ['support_user', 403, 403, 403],
    ['read_only', 403, 403, 403],
  ] as const)('%s create → %i, update → %i, delete → %i; a refusal writes nothing', async (role, createStatus, updateStatus, deleteStatus) => {
    const token = s[role].accessToken;
    const count = async () => (await h.raw.query<{ n: number }>('select count(*)::int as n from pipelines'))[0]?.n;
    const before = await count();
    const created = await h.request('POST', '/api/pipelines', { token, body: { name: `By ${role}`, stages: stages2 } });
    expect(created.status).toBe(createStatus);
    expect(await count()).toBe(createStatus === 201 ? (before ?? 0) + 1 : before);

    const target = await pipeline(s.tenant_admin.accessToken, `Target of ${role}`);
    const was = await snapshot(target.id);
    const updated = await h.request('PATCH', `/api/pipelines/${target.id}`, {
      token,
      body: { name: 'Changed', isDefault: true, stages: [{ name: 'Only', probability: 1 }] },
    });
    expect(updated.status).toBe(updateStatus);
    if (updateStatus === 403) {
      expect((await json(updated)).error).toBe('insufficient_permissions');
      expect(await snapshot(target.id)).toEqual(was);
    }
    const deleted = await h.request('DELETE', `/api/pipelines/${target.id}`, { token });
    expect(deleted.status).toBe(deleteStatus);
    expect(await h.raw.query('select 1 from pipelines where id = $1', [target.id])).toHaveLength(deleteStatus === 204 ? 0 : 1);
  });

  it('requires a token', async () => {
    expect((await h.request('GET', '/api/pipelines')).status).toBe(401);
  });
});

describe('pipelines tenant isolation', () => {
  it('hides another tenant’s pipeline (404 on read, update, delete; absent from lists) and changes nothing', async () => {
    const theirs = await pipeline(other.accessToken, 'Their pipeline');
    const was = await snapshot(theirs.id);
    const token = s.tenant_admin.accessToken;
    expect((await h.request('GET', `/api/pipelines/${theirs.id}`, { token })).status).toBe(404);
    expect((await h.request('PATCH', `/api/pipelines/${theirs.id}`, { token, body: { name: 'Hijacked' } })).status).toBe(404);
    expect((await h.request('DELETE', `/api/pipelines/${theirs.id}`, { token })).status).toBe(404);
    const list = await json(await h.request('GET', '/api/pipelines?limit=100', { token }));
    expect(list.data.map((p: { id: string }) => p.id)).not.toContain(theirs.id);
    expect(await snapshot(theirs.id)).toEqual(was);
  });

  it('refuses to adopt another tenant’s stage ids into a pipeline (400), leaving both untouched', async () => {
    const mine = await pipeline(s.manager.accessToken, 'Mine');
    const theirs = await pipeline(other.accessToken, 'Theirs');
    const [mineWas, theirsWas] = [await snapshot(mine.id), await snapshot(theirs.id)];
    const res = await h.request('PATCH', `/api/pipelines/${mine.id}`, {
      token: s.manager.accessToken,
      body: { stages: [{ id: theirs.stages[0]?.id, name: 'Stolen', probability: 50 }] },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).details[0].field).toBe('stages.0.id');
    expect(await snapshot(mine.id)).toEqual(mineWas);
    expect(await snapshot(theirs.id)).toEqual(theirsWas);
  });

  it('making a default in one tenant leaves the other tenant’s default alone', async () => {
    const theirs = await pipeline(other.accessToken, 'Their default', true);
    await pipeline(s.tenant_admin.accessToken, 'Our default', true);
    const rows = await h.raw.query<{ is_default: boolean }>('select is_default from pipelines where id = $1', [theirs.id]);
    expect(rows[0]?.is_default).toBe(true);
  });
});
