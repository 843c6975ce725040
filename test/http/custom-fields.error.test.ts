import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
});

const countDefs = async () => (await h.raw.query<{ n: number }>('select count(*)::int as n from custom_field_definitions'))[0]?.n;
const post = (body: Record<string, unknown>) => h.request('POST', '/api/custom-fields', { token: admin.accessToken, body });
async function expectError(res: Response, status: number, error: string, field?: string) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body.error).toBe(error);
  if (field) expect(body.details.map((d: { field: string }) => d.field)).toContain(field);
  return body;
}

describe('definition validation', () => {
  const valid = { resource: 'leads', key: 'segment', label: 'Segment', type: 'text' };
  it.each([
    ['an upper-case key', { ...valid, key: 'Segment' }, 'key'],
    ['a key starting with a digit', { ...valid, key: '1st' }, 'key'],
    ['a key with a dash', { ...valid, key: 'a-b' }, 'key'],
    ['a 41-character key', { ...valid, key: `a${'b'.repeat(40)}` }, 'key'],
    ['no key', { ...valid, key: undefined }, 'key'],
    ['no label', { ...valid, label: undefined }, 'label'],
    ['a blank label', { ...valid, label: '  ' }, 'label'],
    ['an unknown resource', { ...valid, resource: 'activities' }, 'resource'],
    ['an unknown type', { ...valid, type: 'json' }, 'type'],
    ['a select without options', { ...valid, type: 'select' }, 'options'],
    ['a multiselect with no options', { ...valid, type: 'multiselect', options: [] }, 'options'],
    ['options on a text field', { ...valid, options: ['a'] }, 'options'],
    ['duplicate options', { ...valid, type: 'select', options: ['a', 'a'] }, 'options'],
    ['a blank option', { ...valid, type: 'select', options: ['a', ' '] }, 'options.1'],
    ['required as a string', { ...valid, required: 'yes' }, 'required'],
    ['an id', { ...valid, id: crypto.randomUUID() }, 'id'],
    ['a tenantId', { ...valid, tenantId: crypto.randomUUID() }, 'tenantId'],
  ])('POST with %s → 400 on the field, nothing stored', async (_name, body, field) => {
    const before = await countDefs();
    await expectError(await post(body), 400, 'validation_error', field);
    expect(await countDefs()).toBe(before);
  });

  it('a key is unique per resource (409), and free in another resource', async () => {
    expect((await post({ ...valid, key: 'dup' })).status).toBe(201);
    const before = await countDefs();
    await expectError(await post({ ...valid, key: 'dup', type: 'number' }), 409, 'conflict', 'key');
    expect(await countDefs()).toBe(before);
    expect((await post({ ...valid, key: 'dup', resource: 'deals' })).status).toBe(201);
  });

  it('PATCH: no resource change, no taken key, options must fit the type; the row stays unchanged', async () => {
    await post({ ...valid, key: 'taken' });
    const { data } = await json(await post({ ...valid, key: 'patchme' }));
    const before = (await h.raw.query('select * from custom_field_definitions where id = $1', [data.id]))[0];
    const patch = (body: Record<string, unknown>) => h.request('PATCH', `/api/custom-fields/${data.id}`, { token: admin.accessToken, body });
    await expectError(await patch({ resource: 'deals' }), 400, 'validation_error', 'resource');
    await expectError(await patch({ key: 'Bad Key' }), 400, 'validation_error', 'key');
    await expectError(await patch({ key: 'taken' }), 409, 'conflict', 'key');
    await expectError(await patch({ type: 'select' }), 400, 'validation_error', 'options');
    await expectError(await patch({ options: ['a'] }), 400, 'validation_error', 'options');
    await expectError(await patch({ type: 'boolean', options: ['a'] }), 400, 'validation_error', 'options');
    await expectError(await patch({ type: 'select', options: null }), 400, 'validation_error', 'options');
    expect((await h.raw.query('select * from custom_field_definitions where id = $1', [data.id]))[0]).toEqual(before);
  });

  it('a stale If-Match is 412 for PATCH and DELETE', async () => {
    const created = await post({ ...valid, key: 'etagged' });
    const { data } = await json(created);
    const etag = created.headers.get('etag') as string;
    expect(
      (await h.request('PATCH', `/api/custom-fields/${data.id}`, { token: admin.accessToken, body: { label: 'v2' }, headers: { 'if-match': etag } })).status,
    ).toBe(200);
    await expectError(
      await h.request('PATCH', `/api/custom-fields/${data.id}`, { token: admin.accessToken, body: { label: 'v3' }, headers: { 'if-match': etag } }),
      412,
      'precondition_failed',
    );
    await expectError(
      await h.request('DELETE', `/api/custom-fields/${data.id}`, { token: admin.accessToken, headers: { 'if-match': etag } }),
      412,
      'precondition_failed',
    );
    expect((await h.raw.query('select label from custom_field_definitions where id = $1', [data.id]))[0]).toEqual({ label: 'v2' });
  });

  it('unknown ids are 404, malformed ones 400; list parameters are an allow-list', async () => {
    const missing = crypto.randomUUID();
    await expectError(await h.request('GET', `/api/custom-fields/${missing}`, { token: admin.accessToken }), 404, 'not_found');
    await expectError(await h.request('PATCH', `/api/custom-fields/${missing}`, { token: admin.accessToken, body: { label: 'x' } }), 404, 'not_found');
    await expectError(await h.request('DELETE', `/api/custom-fields/${missing}`, { token: admin.accessToken }), 404, 'not_found');
    await expectError(await h.request('GET', '/api/custom-fields/nope', { token: admin.accessToken }), 400, 'validation_error', 'id');
    await expectError(await h.request('GET', '/api/custom-fields?resource=activities', { token: admin.accessToken }), 400, 'validation_error', 'resource');
    await expectError(await h.request('GET', '/api/custom-fields?type=text', { token: admin.accessToken }), 400, 'validation_error', 'type');
  });
});

describe('cf.<key> list parameters', () => {
  it.each([
    ['foo=1', 'foo'],
    ['cf.Segment=x', 'cf.Segment'],
    ['cf.=x', 'cf.'],
    ['cf.a-b=x', 'cf.a-b'],
    ['cfsegment=x', 'cfsegment'],
    ['cf.segment=a&cf.segment=b', 'cf.segment'],
  ])('GET /api/leads?%s → 400 (only cf.<valid key> is accepted beyond the declared parameters)', async (query, field) => {
    await expectError(await h.request('GET', `/api/leads?${query}`, { token: admin.accessToken }), 400, 'validation_error', field);
  });

  it('a long value is refused; a well-formed cf param is accepted', async () => {
    await expectError(await h.request('GET', `/api/leads?cf.segment=${'x'.repeat(201)}`, { token: admin.accessToken }), 400, 'validation_error', 'cf.segment');
    expect((await h.request('GET', '/api/leads?cf.segment=smb', { token: admin.accessToken })).status).toBe(200);
  });
});
