import { beforeAll, describe, expect, it } from 'vitest';
import { type Role, roles } from '../../src/db/schema/index.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let s: Record<Role, Session>;
let other: Session;
type RelatedType = 'lead' | 'contact' | 'account' | 'deal';
/** One record of each related type per tenant, inserted as the owner (contacts/accounts/deals routes are not needed for this). */
const records = {} as Record<'acme' | 'mycompany', Record<RelatedType, string>>;

async function insertRecords(tenantId: string): Promise<Record<RelatedType, string>> {
  const one = async (text: string, params: unknown[]) => (await h.raw.query<{ id: string }>(`${text} returning id`, params))[0]?.id as string;
  const pipeline = await one('insert into pipelines (tenant_id, name) values ($1, $2)', [tenantId, 'Sales']);
  const stage = await one('insert into stages (tenant_id, pipeline_id, name, position, probability) values ($1, $2, $3, 1, 10)', [tenantId, pipeline, 'New']);
  return {
    lead: await one('insert into leads (tenant_id, last_name) values ($1, $2)', [tenantId, 'Lead']),
    contact: await one('insert into contacts (tenant_id, last_name) values ($1, $2)', [tenantId, 'Contact']),
    account: await one('insert into accounts (tenant_id, name) values ($1, $2)', [tenantId, 'Account']),
    deal: await one('insert into deals (tenant_id, name, pipeline_id, stage_id) values ($1, $2, $3, $4)', [tenantId, 'Deal', pipeline, stage]),
  };
}

beforeAll(async () => {
  h = await createHarness();
  s = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
  records.acme = await insertRecords(s.tenant_admin.tenantId);
  records.mycompany = await insertRecords(other.tenantId);
});

const post = (who: Session, body: Record<string, unknown>) => h.request('POST', '/api/activities', { token: who.accessToken, body });
async function activityOwnedBy(owner: Session, subject = 'Owned') {
  const res = await post(s.tenant_admin, { type: 'call', subject, ownerId: owner.userId });
  expect(res.status).toBe(201);
  return (await json(res)).data.id as string;
}
const row = async (id: string) => (await h.raw.query('select * from activities where id = $1', [id]))[0];
const countActivities = async () => (await h.raw.query<{ n: number }>('select count(*)::int as n from activities'))[0]?.n ?? 0;

async function expectError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body.error).toBe(error);
  return body;
}

describe('activities RBAC (SPEC section 5)', () => {
  it.each([
    ['tenant_admin', 201],
    ['manager', 201],
    ['sales_user', 201],
    ['support_user', 201],
    ['read_only', 403],
  ] as const)('%s create → %i', async (role, status) => {
    const before = await countActivities();
    const res = await post(s[role], { type: 'note', subject: `By ${role}` });
    expect(res.status).toBe(status);
    if (status === 201) expect((await json(res)).data.ownerId).toBe(s[role].userId);
    expect(await countActivities()).toBe(before + (status === 201 ? 1 : 0));
  });

  it.each(roles)('%s can list and read any activity of the tenant', async (role) => {
    const id = await activityOwnedBy(s.manager, `Readable by ${role}`);
    expect((await h.request('GET', '/api/activities', { token: s[role].accessToken })).status).toBe(200);
    const one = await h.request('GET', `/api/activities/${id}`, { token: s[role].accessToken });
    expect(one.status).toBe(200);
    expect((await json(one)).data.id).toBe(id);
  });

  it.each([
    ['tenant_admin', 200, 200],
    ['manager', 200, 200],
    ['sales_user', 200, 403],
    ['support_user', 200, 403],
    ['read_only', 403, 403],
  ] as const)('%s update own → %i, update another user’s → %i', async (role, own, others) => {
    const mine = await activityOwnedBy(s[role], 'Mine');
    const theirs = await activityOwnedBy(role === 'manager' ? s.tenant_admin : s.manager, 'Theirs');
    const before = await row(theirs);
    expect((await h.request('PATCH', `/api/activities/${mine}`, { token: s[role].accessToken, body: { subject: 'edited' } })).status).toBe(own);
    const res = await h.request('PATCH', `/api/activities/${theirs}`, { token: s[role].accessToken, body: { subject: 'edited' } });
    expect(res.status).toBe(others);
    if (others === 403) {
      expect((await json(res)).error).toBe('insufficient_permissions');
      expect(await row(theirs)).toEqual(before);
    }
    expect((await row(mine))?.subject).toBe(own === 200 ? 'edited' : 'Mine');
  });

  it.each([
    ['tenant_admin', 204],
    ['manager', 204],
    ['sales_user', 403],
    ['support_user', 403],
    ['read_only', 403],
  ] as const)('%s delete (even own) → %i', async (role, status) => {
    const id = await activityOwnedBy(s[role]);
    const res = await h.request('DELETE', `/api/activities/${id}`, { token: s[role].accessToken });
    expect(res.status).toBe(status);
    expect(await row(id)).toEqual(status === 204 ? undefined : expect.objectContaining({ id }));
  });

  it.each(['sales_user', 'support_user'] as const)('%s cannot create for, or hand an activity to, another user', async (role) => {
    const before = await countActivities();
    await expectError(await post(s[role], { type: 'task', subject: 'For someone else', ownerId: s.manager.userId }), 403, 'insufficient_permissions');
    expect(await countActivities()).toBe(before);
    expect((await post(s[role], { type: 'task', subject: 'For me', ownerId: s[role].userId })).status).toBe(201);
    const mine = await activityOwnedBy(s[role]);
    await expectError(
      await h.request('PATCH', `/api/activities/${mine}`, { token: s[role].accessToken, body: { ownerId: s.manager.userId } }),
      403,
      'insufficient_permissions',
    );
    expect((await row(mine))?.owner_id).toBe(s[role].userId);
  });
});

describe('activities across tenants', () => {
  it.each(['lead', 'contact', 'account', 'deal'] as const)(
    'relatedTo a %s: accepted in the tenant, another tenant’s id is 400 and never stored',
    async (type) => {
      const ok = await post(s.sales_user, { type: 'note', subject: `On my ${type}`, relatedTo: { type, id: records.acme[type] } });
      expect(ok.status).toBe(201);
      const created = (await json(ok)).data;
      expect(created.relatedTo).toEqual({ type, id: records.acme[type] });

      const before = await countActivities();
      const body = await expectError(
        await post(s.tenant_admin, { type: 'note', subject: 'Cross', relatedTo: { type, id: records.mycompany[type] } }),
        400,
        'validation_error',
      );
      expect(body.details).toEqual([{ field: 'relatedTo.id', message: expect.any(String) }]);
      expect(await countActivities()).toBe(before);

      const id = created.id as string;
      const unchanged = await row(id);
      await expectError(
        await h.request('PATCH', `/api/activities/${id}`, { token: s.tenant_admin.accessToken, body: { relatedTo: { type, id: records.mycompany[type] } } }),
        400,
        'validation_error',
      );
      expect(await row(id)).toEqual(unchanged);
      const linked = await h.raw.query('select 1 from activities where related_id = $1', [records.mycompany[type]]);
      expect(linked).toHaveLength(0);
    },
  );

  it('another tenant’s user as ownerId is 400 on ownerId', async () => {
    const otherUser = other.userId;
    const body = await expectError(await post(s.tenant_admin, { type: 'note', subject: 'x', ownerId: otherUser }), 400, 'validation_error');
    expect(body.details[0].field).toBe('ownerId');
    expect(await h.raw.query('select 1 from activities where owner_id = $1', [otherUser])).toHaveLength(0);
  });

  it('another tenant’s activity is a 404 for every method and stays untouched', async () => {
    const res = await post(other, { type: 'task', subject: 'Theirs', relatedTo: { type: 'lead', id: records.mycompany.lead } });
    const theirs = (await json(res)).data.id as string;
    const before = await row(theirs);
    for (const role of roles) {
      expect((await h.request('GET', `/api/activities/${theirs}`, { token: s[role].accessToken })).status).toBe(404);
    }
    await expectError(
      await h.request('PATCH', `/api/activities/${theirs}`, { token: s.tenant_admin.accessToken, body: { subject: 'hijacked' } }),
      404,
      'not_found',
    );
    await expectError(await h.request('DELETE', `/api/activities/${theirs}`, { token: s.tenant_admin.accessToken }), 404, 'not_found');
    expect(await row(theirs)).toEqual(before);
    const mine = await json(await h.request('GET', `/api/activities?relatedId=${records.mycompany.lead}`, { token: s.tenant_admin.accessToken }));
    expect(mine.data).toEqual([]);
  });

  it('a lead never embeds another tenant’s activity, even one whose related_id points at it', async () => {
    // Planted directly: the API would refuse to link across tenants.
    await h.raw.query("insert into activities (tenant_id, type, subject, related_type, related_id) values ($1, 'note', 'planted', 'lead', $2)", [
      other.tenantId,
      records.acme.lead,
    ]);
    await post(s.tenant_admin, { type: 'note', subject: 'legit', relatedTo: { type: 'lead', id: records.acme.lead } });
    const res = await h.request('GET', `/api/leads/${records.acme.lead}`, { token: s.tenant_admin.accessToken });
    expect(res.status).toBe(200);
    const subjects = (await json(res)).data.recentActivities.map((a: { subject: string }) => a.subject);
    expect(subjects).toContain('legit');
    expect(subjects).not.toContain('planted');
    const list = await json(await h.request('GET', `/api/activities?relatedId=${records.acme.lead}&q=planted`, { token: s.tenant_admin.accessToken }));
    expect(list.data).toEqual([]);
  });
});
