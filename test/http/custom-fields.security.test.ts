import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Role, roles } from '../../src/db/schema/index.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let s: Record<Role, Session>;
let other: Session;
let defId: string;
beforeAll(async () => {
  h = await createHarness();
  s = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
  defId = (await json(await define(s.tenant_admin, { key: 'segment', type: 'select', options: ['smb', 'ent'] }))).data.id;
});

const define = (who: Session, body: Record<string, unknown>) =>
  h.request('POST', '/api/custom-fields', { token: who.accessToken, body: { resource: 'leads', label: 'Label', ...body } });
const defRow = async (id: string) => (await h.raw.query('select * from custom_field_definitions where id = $1', [id]))[0];
const countDefs = async () => (await h.raw.query<{ n: number }>('select count(*)::int as n from custom_field_definitions'))[0]?.n;
async function expectError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect((await json(res)).error).toBe(error);
}

describe('custom fields RBAC: every role reads, only the tenant admin writes', () => {
  it.each(roles)('%s can list and read definitions', async (role) => {
    const list = await h.request('GET', '/api/custom-fields', { token: s[role].accessToken });
    expect(list.status).toBe(200);
    expect((await json(list)).data.map((d: { id: string }) => d.id)).toContain(defId);
    expect((await h.request('GET', `/api/custom-fields/${defId}`, { token: s[role].accessToken })).status).toBe(200);
  });

  it.each(['manager', 'sales_user', 'support_user', 'read_only'] as const)('%s cannot create, change or delete (403), and nothing changes', async (role) => {
    const before = await countDefs();
    const row = await defRow(defId);
    await expectError(await define(s[role], { key: `by_${role}`, type: 'text' }), 403, 'insufficient_permissions');
    await expectError(
      await h.request('PATCH', `/api/custom-fields/${defId}`, { token: s[role].accessToken, body: { label: 'Hacked' } }),
      403,
      'insufficient_permissions',
    );
    await expectError(await h.request('DELETE', `/api/custom-fields/${defId}`, { token: s[role].accessToken }), 403, 'insufficient_permissions');
    expect(await countDefs()).toBe(before);
    expect(await defRow(defId)).toEqual(row);
  });

  it('the tenant admin can create, change and delete', async () => {
    const res = await define(s.tenant_admin, { key: 'admin_made', type: 'text' });
    expect(res.status).toBe(201);
    const id = (await json(res)).data.id;
    expect((await h.request('PATCH', `/api/custom-fields/${id}`, { token: s.tenant_admin.accessToken, body: { label: 'Renamed' } })).status).toBe(200);
    expect((await h.request('DELETE', `/api/custom-fields/${id}`, { token: s.tenant_admin.accessToken })).status).toBe(204);
  });
});

describe('custom fields across tenants', () => {
  it('another tenant’s definition is a 404 for every method, never listed, and stays untouched', async () => {
    const theirs = (await json(await define(other, { key: 'secret_field', type: 'text' }))).data.id as string;
    const before = await defRow(theirs);
    await expectError(await h.request('GET', `/api/custom-fields/${theirs}`, { token: s.tenant_admin.accessToken }), 404, 'not_found');
    await expectError(await h.request('PATCH', `/api/custom-fields/${theirs}`, { token: s.tenant_admin.accessToken, body: { label: 'x' } }), 404, 'not_found');
    await expectError(await h.request('DELETE', `/api/custom-fields/${theirs}`, { token: s.tenant_admin.accessToken }), 404, 'not_found');
    expect(await defRow(theirs)).toEqual(before);
    const list = await json(await h.request('GET', '/api/custom-fields', { token: s.tenant_admin.accessToken }));
    expect(list.data.map((d: { key: string }) => d.key)).not.toContain('secret_field');
    // Nor does another tenant's definition make the key valid here.
    const lead = await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body: { lastName: 'X', customFields: { secret_field: 'v' } } });
    expect(lead.status).toBe(400);
    expect((await json(lead)).details[0].field).toBe('customFields.secret_field');
  });

  it('the same key in two tenants is independent: deleting ours leaves their values', async () => {
    await define(other, { key: 'shared_key', type: 'text' });
    const ours = (await json(await define(s.tenant_admin, { key: 'shared_key', type: 'text' }))).data.id as string;
    const theirLead = (
      await json(await h.request('POST', '/api/leads', { token: other.accessToken, body: { lastName: 'Theirs', customFields: { shared_key: 'keep me' } } }))
    ).data.id;
    const ourLead = (
      await json(
        await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body: { lastName: 'Ours', customFields: { shared_key: 'strip me' } } }),
      )
    ).data.id;
    expect((await h.request('DELETE', `/api/custom-fields/${ours}`, { token: s.tenant_admin.accessToken })).status).toBe(204);
    const rows = await h.raw.query<{ id: string; custom_fields: Record<string, unknown> }>('select id, custom_fields from leads where id = any($1)', [
      [theirLead, ourLead],
    ]);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.custom_fields]))).toEqual({ [theirLead]: { shared_key: 'keep me' }, [ourLead]: {} });
    // Their filter still finds their lead; ours no longer matches anything.
    const theirList = await json(await h.request('GET', '/api/leads?cf.shared_key=keep%20me', { token: other.accessToken }));
    expect(theirList.data.map((l: { id: string }) => l.id)).toEqual([theirLead]);
    const ourList = await json(await h.request('GET', '/api/leads?cf.shared_key=keep%20me', { token: s.tenant_admin.accessToken }));
    expect(ourList.data).toEqual([]);
  });
});

describe('custom fields need the Enterprise plan', () => {
  const setPlan = (plan: string) => h.raw.query('update tenants set plan = $1 where slug = $2', [plan, 'acme']);
  afterAll(() => setPlan('enterprise'));

  it.each(['free', 'pro'])('on %s: every definition route is 403 plan_feature_unavailable and nothing changes', async (plan) => {
    await setPlan(plan);
    const before = await defRow(defId);
    const count = await countDefs();
    const t = s.tenant_admin.accessToken;
    for (const res of [
      await h.request('GET', '/api/custom-fields', { token: t }),
      await h.request('GET', `/api/custom-fields/${defId}`, { token: t }),
      await define(s.tenant_admin, { key: 'on_free', type: 'text' }),
      await h.request('PATCH', `/api/custom-fields/${defId}`, { token: t, body: { label: 'x' } }),
      await h.request('DELETE', `/api/custom-fields/${defId}`, { token: t }),
      // Reading is gated for every role, not only admins.
      await h.request('GET', '/api/custom-fields', { token: s.read_only.accessToken }),
    ]) {
      await expectError(res, 403, 'plan_feature_unavailable');
    }
    expect(await defRow(defId)).toEqual(before);
    expect(await countDefs()).toBe(count);
    await setPlan('enterprise');
  });

  it('on free: custom field values cannot be written, required definitions no longer block writes, stored values stay readable', async () => {
    const required = (await json(await define(s.tenant_admin, { key: 'must_have', type: 'text', required: true }))).data.id;
    const lead = (
      await json(
        await h.request('POST', '/api/leads', {
          token: s.tenant_admin.accessToken,
          body: { lastName: 'Before', customFields: { segment: 'smb', must_have: 'x' } },
        }),
      )
    ).data;
    await setPlan('free');
    try {
      const refused = await h.request('POST', '/api/leads', {
        token: s.tenant_admin.accessToken,
        body: { lastName: 'OnFree', customFields: { segment: 'smb' } },
      });
      await expectError(refused, 403, 'plan_feature_unavailable');
      expect(await h.raw.query("select 1 from leads where last_name = 'OnFree'")).toHaveLength(0);
      await expectError(
        await h.request('PATCH', `/api/leads/${lead.id}`, { token: s.tenant_admin.accessToken, body: { customFields: { segment: 'ent' } } }),
        403,
        'plan_feature_unavailable',
      );
      expect((await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body: { lastName: 'PlainOnFree' } })).status).toBe(201);
      const kept = await h.request('PATCH', `/api/leads/${lead.id}`, { token: s.tenant_admin.accessToken, body: { score: 10 } });
      expect(kept.status).toBe(200);
      expect((await json(kept)).data.customFields).toEqual({ segment: 'smb', must_have: 'x' });
    } finally {
      await setPlan('enterprise');
    }
    // Back on Enterprise the definitions apply again.
    const missing = await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body: { lastName: 'BackOnEnterprise' } });
    expect(missing.status).toBe(400);
    expect((await json(missing)).details[0].field).toBe('customFields.must_have');
    await h.request('DELETE', `/api/custom-fields/${required}`, { token: s.tenant_admin.accessToken });
  });
});
