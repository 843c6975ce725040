import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let leadId: string;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  leadId = (await json(await h.request('POST', '/api/leads', { token: admin.accessToken, body: { lastName: 'Target' } }))).data.id;
});

const countActivities = async () => (await h.raw.query<{ n: number }>('select count(*)::int as n from activities'))[0]?.n ?? 0;

async function expect400(res: Response, field: string) {
  expect(res.status).toBe(400);
  const body = await json(res);
  expect(body.error).toBe('validation_error');
  expect(body.details.map((d: { field: string }) => d.field)).toContain(field);
}

describe('activity validation', () => {
  const valid = { type: 'note', subject: 'Hello' };
  it.each([
    ['type missing', { subject: 'x' }, 'type'],
    ['unknown type', { ...valid, type: 'sms' }, 'type'],
    ['subject missing', { type: 'note' }, 'subject'],
    ['blank subject', { ...valid, subject: '   ' }, 'subject'],
    ['subject too long', { ...valid, subject: 'x'.repeat(301) }, 'subject'],
    ['dueAt not a datetime', { ...valid, dueAt: 'tomorrow' }, 'dueAt'],
    ['dueAt without a zone', { ...valid, dueAt: '2026-01-01T10:00:00' }, 'dueAt'],
    ['completedAt a number', { ...valid, completedAt: 1767225600000 }, 'completedAt'],
    ['relatedTo of an unknown type', { ...valid, relatedTo: { type: 'user', id: crypto.randomUUID() } }, 'relatedTo.type'],
    ['relatedTo id not a uuid', { ...valid, relatedTo: { type: 'lead', id: '42' } }, 'relatedTo.id'],
    ['relatedTo without id', { ...valid, relatedTo: { type: 'lead' } }, 'relatedTo.id'],
    ['relatedTo with extra keys', { ...valid, relatedTo: { type: 'lead', id: crypto.randomUUID(), tenantId: crypto.randomUUID() } }, 'relatedTo.tenantId'],
    ['relatedTo that does not exist', { ...valid, relatedTo: { type: 'lead', id: crypto.randomUUID() } }, 'relatedTo.id'],
    ['ownerId that does not exist', { ...valid, ownerId: crypto.randomUUID() }, 'ownerId'],
    ['raw relatedType column', { ...valid, relatedType: 'lead' }, 'relatedType'],
    ['raw relatedId column', { ...valid, relatedId: crypto.randomUUID() }, 'relatedId'],
    ['customFields (activities have none)', { ...valid, customFields: {} }, 'customFields'],
    ['version', { ...valid, version: 7 }, 'version'],
    ['createdAt', { ...valid, createdAt: '2020-01-01T00:00:00Z' }, 'createdAt'],
  ])('POST with %s → 400 on the field, nothing stored', async (_name, body, field) => {
    const before = await countActivities();
    await expect400(await h.request('POST', '/api/activities', { token: admin.accessToken, body }), field);
    expect(await countActivities()).toBe(before);
  });

  it('a lead id given as another related type is not found (400 relatedTo.id)', async () => {
    for (const type of ['contact', 'account', 'deal']) {
      await expect400(
        await h.request('POST', '/api/activities', { token: admin.accessToken, body: { ...valid, relatedTo: { type, id: leadId } } }),
        'relatedTo.id',
      );
    }
  });

  it('PATCH validates the same way and leaves the row unchanged', async () => {
    const { data } = await json(
      await h.request('POST', '/api/activities', { token: admin.accessToken, body: { ...valid, relatedTo: { type: 'lead', id: leadId } } }),
    );
    const before = await h.raw.query('select * from activities where id = $1', [data.id]);
    for (const [body, field] of [
      [{ type: 'sms' }, 'type'],
      [{ subject: '' }, 'subject'],
      [{ relatedTo: { type: 'lead', id: crypto.randomUUID() } }, 'relatedTo.id'],
      [{ relatedTo: { type: 'deal', id: leadId } }, 'relatedTo.id'],
      [{ tenantId: crypto.randomUUID() }, 'tenantId'],
    ] as const) {
      await expect400(await h.request('PATCH', `/api/activities/${data.id}`, { token: admin.accessToken, body }), field);
    }
    expect(await h.raw.query('select * from activities where id = $1', [data.id])).toEqual(before);
  });

  it('a stale If-Match is 412 and changes nothing', async () => {
    const created = await h.request('POST', '/api/activities', { token: admin.accessToken, body: valid });
    const { data } = await json(created);
    const etag = created.headers.get('etag') as string;
    expect(
      (await h.request('PATCH', `/api/activities/${data.id}`, { token: admin.accessToken, body: { subject: 'v2' }, headers: { 'if-match': etag } })).status,
    ).toBe(200);
    const stale = await h.request('PATCH', `/api/activities/${data.id}`, { token: admin.accessToken, body: { subject: 'v3' }, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect((await h.request('DELETE', `/api/activities/${data.id}`, { token: admin.accessToken, headers: { 'if-match': etag } })).status).toBe(412);
    expect((await h.raw.query('select subject from activities where id = $1', [data.id]))[0]).toEqual({ subject: 'v2' });
  });

  it('unknown or malformed ids: 404 / 400', async () => {
    const missing = crypto.randomUUID();
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await h.request(method, `/api/activities/${missing}`, { token: admin.accessToken, body: method === 'PATCH' ? { subject: 'x' } : undefined });
      expect(res.status).toBe(404);
      expect((await json(res)).error).toBe('not_found');
    }
    await expect400(await h.request('GET', '/api/activities/not-a-uuid', { token: admin.accessToken }), 'id');
  });
});

describe('activity list parameters', () => {
  it.each([
    ['sort=dueAt', 'sort'],
    ['sort=-subject', 'sort'],
    ['type=sms', 'type'],
    ['relatedType=user', 'relatedType'],
    ['relatedId=42', 'relatedId'],
    ['completed=yes', 'completed'],
    ['overdue=1', 'overdue'],
    ['dueAtFrom=soon', 'dueAtFrom'],
    ['limit=101', 'limit'],
    ['status=new', 'status'],
    // Activities have no custom fields, so cf.* is as unknown as any other parameter.
    ['cf.segment=smb', 'cf.segment'],
  ])('?%s → 400', async (query, field) => {
    await expect400(await h.request('GET', `/api/activities?${query}`, { token: admin.accessToken }), field);
  });
});
