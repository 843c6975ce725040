import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/db/schema/index.ts';
import { countLeadsAndContacts, fillLeadsAndContacts, registerTenant } from '../billing-tenants.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let s: Record<Role, Session>;
let other: Session;
let theirStageId: string;
let theirAccountId: string;
let ourAccountId: string;

beforeAll(async () => {
  h = await createHarness();
  s = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
  const stages = [{ name: 'First', probability: 10 }];
  for (const token of [s.tenant_admin.accessToken, other.accessToken]) {
    expect((await h.request('POST', '/api/pipelines', { token, body: { name: 'Default', isDefault: true, stages } })).status).toBe(201);
  }
  const [theirStage] = await h.raw.query<{ id: string }>('select id from stages where tenant_id = $1', [other.tenantId]);
  const [theirAccount] = await h.raw.query<{ id: string }>(
    "insert into accounts (tenant_id, name, domain) values ($1, 'Theirs', 'theirs.example') returning id",
    [other.tenantId],
  );
  const [ourAccount] = await h.raw.query<{ id: string }>("insert into accounts (tenant_id, name, domain) values ($1, 'Ours', 'ours.example') returning id", [
    s.tenant_admin.tenantId,
  ]);
  theirStageId = theirStage?.id as string;
  theirAccountId = theirAccount?.id as string;
  ourAccountId = ourAccount?.id as string;
});

async function lead(owner: Session, lastName: string, email: string | null = null) {
  const res = await h.request('POST', '/api/leads', { token: s.tenant_admin.accessToken, body: { lastName, email, ownerId: owner.userId } });
  expect(res.status).toBe(201);
  return (await json(res)).data.id as string;
}
const convert = (id: string, token: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  h.request('POST', `/api/leads/${id}/convert`, { token, body, headers });
const leadRow = async (id: string) => (await h.raw.query('select * from leads where id = $1', [id]))[0];
const totals = () =>
  h.raw.query(
    'select (select count(*)::int from contacts) c, (select count(*)::int from accounts) a, (select count(*)::int from deals) d, (select count(*)::int from audit_logs) l',
  );

/** The refusal left no trace: no contact/account/deal/audit row, and the lead exactly as it was. */
async function expectNothingChanged(id: string, run: () => Promise<Response>, status: number, field?: string) {
  const [before, lead] = [await totals(), await leadRow(id)];
  const res = await run();
  expect(res.status).toBe(status);
  const body = await json(res);
  if (field) expect(body.details.map((d: { field: string }) => d.field)).toContain(field);
  expect(await totals()).toEqual(before);
  expect(await leadRow(id)).toEqual(lead);
  return body;
}

describe('convert is one transaction', () => {
  it('rolls back the contact and account when the deal fails (another tenant’s stage) and leaves the lead unchanged', async () => {
    const id = await lead(s.manager, 'Rollback', 'rollback@example.com');
    await expectNothingChanged(
      id,
      () =>
        convert(id, s.manager.accessToken, {
          account: { name: 'Rollback Ltd', domain: 'rollback.example' },
          deal: { name: 'Doomed', amount: 5, currency: 'USD', stageId: theirStageId },
        }),
      400,
      'deal.stageId',
    );
    expect(await h.raw.query("select 1 from contacts where email = 'rollback@example.com'")).toHaveLength(0);
    expect(await h.raw.query("select 1 from accounts where name = 'Rollback Ltd'")).toHaveLength(0);
    // The same lead converts fine afterwards: nothing half-done blocks it.
    expect((await convert(id, s.manager.accessToken, { account: { name: 'Rollback Ltd', domain: 'rollback.example' } })).status).toBe(201);
  });

  it('refuses another tenant’s account or pipeline (400) and links nothing', async () => {
    const id = await lead(s.manager, 'Foreign refs', 'foreign@example.com');
    await expectNothingChanged(id, () => convert(id, s.manager.accessToken, { account: { id: theirAccountId } }), 400, 'account.id');
    const theirPipeline = (await h.raw.query<{ id: string }>('select id from pipelines where tenant_id = $1', [other.tenantId]))[0]?.id;
    await expectNothingChanged(
      id,
      () => convert(id, s.manager.accessToken, { deal: { name: 'X', amount: 1, currency: 'USD', pipelineId: theirPipeline } }),
      400,
      'deal.pipelineId',
    );
  });

  it('answers 409 when the new account’s domain is taken, creating nothing', async () => {
    const id = await lead(s.manager, 'Domain clash');
    const body = await expectNothingChanged(
      id,
      () => convert(id, s.manager.accessToken, { account: { name: 'Copy', domain: 'OURS.example' } }),
      409,
      'account.domain',
    );
    expect(body.message).toContain(ourAccountId);
  });

  it('answers 412 to a stale If-Match and 404 to another tenant’s lead', async () => {
    const id = await lead(s.manager, 'Versioned');
    const etag = (await h.request('GET', `/api/leads/${id}`, { token: s.manager.accessToken })).headers.get('etag') as string;
    expect((await h.request('PATCH', `/api/leads/${id}`, { token: s.manager.accessToken, body: { score: 5 } })).status).toBe(200);
    await expectNothingChanged(id, () => convert(id, s.manager.accessToken, {}, { 'if-match': etag }), 412);
    const theirs = await h.request('POST', '/api/leads', { token: other.accessToken, body: { lastName: 'Theirs' } });
    const theirId = (await json(theirs)).data.id as string;
    await expectNothingChanged(theirId, () => convert(theirId, s.tenant_admin.accessToken), 404);
  });

  it.each([
    [{ unknown: true }, 'unknown'],
    [{ contact: { lastName: 'X' } }, 'contact'],
    [{ account: { id: crypto.randomUUID(), name: 'Both' } }, 'account'],
    [{ account: { name: '' } }, 'account.name'],
    [{ deal: { name: 'No currency', amount: 1 } }, 'deal.currency'],
    [{ deal: { name: 'Bad currency', amount: 1, currency: 'usd' } }, 'deal.currency'],
    [{ deal: { name: 'Negative', amount: -1, currency: 'USD' } }, 'deal.amount'],
    [{ deal: { name: 'Won already', amount: 1, currency: 'USD', status: 'won' } }, 'deal.status'],
  ])('refuses body %j (400 on %s)', async (body, field) => {
    const id = await lead(s.manager, 'Strict');
    await expectNothingChanged(id, () => convert(id, s.manager.accessToken, body), 400, field);
  });
});

describe('convert RBAC', () => {
  it.each([
    ['tenant_admin', 201],
    ['manager', 201],
    ['sales_user', 201],
    ['support_user', 403],
    ['read_only', 403],
  ] as const)('%s converting a lead they own (with a deal) → %i', async (role, status) => {
    const id = await lead(s[role], `Own by ${role}`);
    const body = { deal: { name: `Deal of ${role}`, amount: 1, currency: 'USD' } };
    if (status === 403) await expectNothingChanged(id, () => convert(id, s[role].accessToken, body), 403);
    else expect((await convert(id, s[role].accessToken, body)).status).toBe(status);
  });

  it('lets a sales user convert only own leads', async () => {
    const theirs = await lead(s.manager, 'Manager’s lead');
    const body = await expectNothingChanged(theirs, () => convert(theirs, s.sales_user.accessToken), 403);
    expect(body.error).toBe('insufficient_permissions');
  });

  it('lets a sales user link an existing account but not create one (accounts are read-only for them)', async () => {
    const id = await lead(s.sales_user, 'Sales account');
    await expectNothingChanged(id, () => convert(id, s.sales_user.accessToken, { account: { name: 'Side door Inc' } }), 403);
    const res = await convert(id, s.sales_user.accessToken, { account: { id: ourAccountId } });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data.contact).toMatchObject({ accountId: ourAccountId, ownerId: s.sales_user.userId });
  });

  it('does not move someone else’s existing contact to a new account when a sales user converts', async () => {
    const [contact] = await h.raw.query<{ id: string }>(
      "insert into contacts (tenant_id, last_name, email, owner_id) values ($1, 'Kept', 'kept@example.com', $2) returning id",
      [s.tenant_admin.tenantId, s.manager.userId],
    );
    const id = await lead(s.sales_user, 'Kept lead', 'kept@example.com');
    const res = await convert(id, s.sales_user.accessToken, { account: { id: ourAccountId } });
    expect(res.status).toBe(201);
    expect((await json(res)).data.contact.id).toBe(contact?.id);
    expect(await h.raw.query('select account_id, version from contacts where id = $1', [contact?.id])).toEqual([{ account_id: null, version: 1 }]);
  });
});

describe('convert and the plan limit (free: 100 leads + contacts)', () => {
  it('refuses (402) a conversion that would add a contact beyond the limit and changes nothing; linking an existing contact still converts', async () => {
    const t = await registerTenant(h, 'convert-limit');
    await fillLeadsAndContacts(h, t.tenantId, 98, 0);
    await h.raw.query("insert into contacts (tenant_id, last_name, email) values ($1, 'Linked', 'linked@limit.example')", [t.tenantId]);
    const created = await h.request('POST', '/api/leads', { token: t.token, body: { lastName: 'Hundredth' } });
    expect(created.status).toBe(201);
    const full = (await json(created)).data.id as string;
    const [matching] = await h.raw.query<{ id: string }>(
      "insert into leads (tenant_id, last_name, email) values ($1, 'Matching', 'linked@limit.example') returning id",
      [t.tenantId],
    );
    const body = await expectNothingChanged(full, () => convert(full, t.token), 402);
    expect(body.error).toBe('plan_limit_reached');
    const res = await convert(matching?.id as string, t.token);
    expect(res.status).toBe(201);
    expect((await json(res)).data.contact.email).toBe('linked@limit.example');
    expect(await countLeadsAndContacts(h, t.tenantId)).toBe(101);
  });
});
