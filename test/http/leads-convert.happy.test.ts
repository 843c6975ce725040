import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let manager: Session;
let pipeline: { id: string; stages: { id: string }[] };

beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  manager = await h.login('acme', 'manager');
  const res = await h.request('POST', '/api/pipelines', {
    token: admin.accessToken,
    body: {
      name: 'Sales',
      isDefault: true,
      stages: [
        { name: 'New', probability: 10 },
        { name: 'Won soon', probability: 90 },
      ],
    },
  });
  pipeline = (await json(res)).data;
});

async function lead(body: Record<string, unknown>) {
  const res = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { ownerId: manager.userId, ...body } });
  expect(res.status).toBe(201);
  return (await json(res)).data as { id: string; email: string | null };
}
const convert = (id: string, body: unknown = {}, token = manager.accessToken) => h.request('POST', `/api/leads/${id}/convert`, { token, body });

describe('POST /api/leads/{id}/convert', () => {
  it('creates contact, account and deal from the lead in one go and marks the lead converted', async () => {
    const l = await lead({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@engine.example',
      phone: '+44 20 1234',
      title: 'Analyst',
      notes: 'Met at the expo',
      company: 'Engine',
    });
    const res = await convert(l.id, {
      account: { name: 'Analytical Engine Ltd', domain: 'Engine.example', industry: 'computing' },
      deal: { name: 'Engine pilot', amount: 250_000, currency: 'GBP' },
    });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data.contact).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@engine.example',
      phone: '+44 20 1234',
      title: 'Analyst',
      notes: 'Met at the expo',
      ownerId: manager.userId,
      accountId: data.account.id,
    });
    expect(data.contact).not.toHaveProperty('tenantId');
    expect(data.account).toMatchObject({ name: 'Analytical Engine Ltd', domain: 'engine.example', industry: 'computing', ownerId: manager.userId });
    expect(data.deal).toMatchObject({
      name: 'Engine pilot',
      amount: 250_000,
      currency: 'GBP',
      pipelineId: pipeline.id,
      stageId: pipeline.stages[0]?.id,
      contactId: data.contact.id,
      accountId: data.account.id,
      ownerId: manager.userId,
      status: 'open',
    });
    expect(data.lead).toMatchObject({ id: l.id, status: 'converted', convertedContactId: data.contact.id });
    expect(Date.now() - Date.parse(data.lead.convertedAt)).toBeLessThan(60_000);
    expect(res.headers.get('location')).toBe(`/api/contacts/${data.contact.id}`);

    const [stored] = await h.raw.query('select status, converted_contact_id, version from leads where id = $1', [l.id]);
    expect(stored).toEqual({ status: 'converted', converted_contact_id: data.contact.id, version: 2 });
    expect(await h.raw.query('select account_id from contacts where id = $1', [data.contact.id])).toEqual([{ account_id: data.account.id }]);
    expect(await h.raw.query('select contact_id, account_id from deals where id = $1', [data.deal.id])).toEqual([
      { contact_id: data.contact.id, account_id: data.account.id },
    ]);
    const audit = await h.raw.query<{ action: string; resource_id: string; request_id: string }>(
      'select action, resource_id, request_id from audit_logs where resource_id = any($1::text[]) order by action',
      [[l.id, data.contact.id, data.account.id, data.deal.id]],
    );
    expect(audit.map((a) => [a.action, a.resource_id])).toEqual([
      ['account.created', data.account.id],
      ['contact.created', data.contact.id],
      ['deal.created', data.deal.id],
      ['lead.converted', l.id],
      ['lead.created', l.id],
    ]);
    const conversion = audit.filter((a) => a.action !== 'lead.created');
    expect(new Set(conversion.map((a) => a.request_id)).size).toBe(1);
  });

  it('converts with an empty body into just a contact', async () => {
    const l = await lead({ lastName: 'Solo', email: 'solo@nowhere.example' });
    const res = await convert(l.id, {});
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(Object.keys(data).sort()).toEqual(['contact', 'lead']);
    expect(data.contact).toMatchObject({ lastName: 'Solo', email: 'solo@nowhere.example', accountId: null });
    expect(await h.raw.query('select 1 from deals where contact_id = $1', [data.contact.id])).toHaveLength(0);
  });

  it('links the existing contact with the same email (case-insensitive) instead of failing, and gives it the account', async () => {
    const [existing] = await h.raw.query<{ id: string }>(
      "insert into contacts (tenant_id, first_name, last_name, email, owner_id) values ($1, 'Grace', 'Hopper', 'Grace@Navy.example', $2) returning id",
      [admin.tenantId, manager.userId],
    );
    const [account] = await h.raw.query<{ id: string }>("insert into accounts (tenant_id, name) values ($1, 'US Navy') returning id", [admin.tenantId]);
    const l = await lead({ firstName: 'G.', lastName: 'Hopper (lead)', email: 'grace@navy.example' });
    const res = await convert(l.id, { account: { id: account?.id }, deal: { name: 'COBOL', amount: 1, currency: 'USD', stageId: pipeline.stages[1]?.id } });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data.contact.id).toBe(existing?.id);
    expect(data.contact).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', accountId: account?.id });
    expect(data.account.id).toBe(account?.id);
    expect(data.deal).toMatchObject({ contactId: existing?.id, accountId: account?.id, stageId: pipeline.stages[1]?.id });
    expect(data.lead.convertedContactId).toBe(existing?.id);
    const contacts = await h.raw.query("select id from contacts where lower(email) = 'grace@navy.example'");
    expect(contacts).toHaveLength(1);
    const audit = await h.raw.query<{ action: string }>('select action from audit_logs where resource_id = $1', [existing?.id]);
    expect(audit.map((a) => a.action)).toEqual(['contact.updated']);
    expect(await h.raw.query('select 1 from accounts where id = $1', [account?.id])).toHaveLength(1);
  });

  it('refuses a second conversion (409) and creates nothing more', async () => {
    const l = await lead({ lastName: 'Twice', email: 'twice@example.com' });
    expect((await convert(l.id, { account: { name: 'Twice Co' } })).status).toBe(201);
    const before = await h.raw.query(
      'select (select count(*) from contacts) c, (select count(*) from accounts) a, (select count(*) from deals) d, (select count(*) from audit_logs) l',
    );
    const again = await convert(l.id, { account: { name: 'Twice Co 2' }, deal: { name: 'Again', amount: 1, currency: 'USD' } });
    expect(again.status).toBe(409);
    expect((await json(again)).error).toBe('conflict');
    expect(
      await h.raw.query(
        'select (select count(*) from contacts) c, (select count(*) from accounts) a, (select count(*) from deals) d, (select count(*) from audit_logs) l',
      ),
    ).toEqual(before);
  });

  it('lets only one of two concurrent conversions of the same lead succeed', async () => {
    const l = await lead({ lastName: 'Racer' });
    const results = await Promise.all([convert(l.id), convert(l.id, {}, admin.accessToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await h.raw.query("select 1 from contacts where last_name = 'Racer'")).toHaveLength(1);
  });
});
