import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
});

const define = async (body: Record<string, unknown>) => {
  const res = await h.request('POST', '/api/custom-fields', { token: admin.accessToken, body: { resource: 'leads', label: String(body.key), ...body } });
  expect(res.status).toBe(201);
  return (await json(res)).data as { id: string; key: string };
};
const createLead = (body: Record<string, unknown>) => h.request('POST', '/api/leads', { token: admin.accessToken, body: { lastName: 'CF', ...body } });
const leadIds = async (query: string) => {
  const res = await h.request('GET', `/api/leads?${query}`, { token: admin.accessToken });
  expect(res.status).toBe(200);
  return (await json(res)).data.map((l: { lastName: string }) => l.lastName).sort();
};
async function expect400(res: Response, field: string) {
  expect(res.status).toBe(400);
  const body = await json(res);
  expect(body.error).toBe('validation_error');
  expect(body.details.map((d: { field: string }) => d.field)).toContain(field);
}

describe('custom field definitions', () => {
  it('creates, reads, lists, updates and deletes a definition, with ETags and audit', async () => {
    const created = await h.request('POST', '/api/custom-fields', {
      token: admin.accessToken,
      body: { resource: 'contacts', key: 'tier', label: 'Tier', type: 'select', options: ['gold', 'silver'], required: false },
    });
    expect(created.status).toBe(201);
    const { data } = await json(created);
    expect(data).toEqual({
      id: expect.any(String),
      resource: 'contacts',
      key: 'tier',
      label: 'Tier',
      type: 'select',
      options: ['gold', 'silver'],
      required: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(created.headers.get('location')).toBe(`/api/custom-fields/${data.id}`);
    const get = await h.request('GET', `/api/custom-fields/${data.id}`, { token: admin.accessToken });
    expect((await json(get)).data).toEqual(data);
    const etag = get.headers.get('etag') as string;
    expect(etag).toBe(created.headers.get('etag'));

    const patched = await h.request('PATCH', `/api/custom-fields/${data.id}`, {
      token: admin.accessToken,
      body: { label: 'Customer tier', required: true, options: ['gold', 'silver', 'bronze'] },
      headers: { 'if-match': etag },
    });
    expect(patched.status).toBe(200);
    expect((await json(patched)).data).toMatchObject({
      label: 'Customer tier',
      required: true,
      options: ['gold', 'silver', 'bronze'],
      key: 'tier',
      type: 'select',
    });
    expect(patched.headers.get('etag')).not.toBe(etag);

    expect((await h.request('DELETE', `/api/custom-fields/${data.id}`, { token: admin.accessToken })).status).toBe(204);
    expect((await h.request('GET', `/api/custom-fields/${data.id}`, { token: admin.accessToken })).status).toBe(404);
    const audit = await h.raw.query<{ action: string }>('select action from audit_logs where resource_id = $1 order by created_at, id', [data.id]);
    expect(audit.map((a) => a.action)).toEqual(['custom_field.created', 'custom_field.updated', 'custom_field.deleted']);
  });

  it('lists oldest first, filters by resource and pages with a cursor', async () => {
    for (const key of ['acc_one', 'acc_two', 'acc_three']) await define({ resource: 'accounts', key, type: 'text' });
    await define({ resource: 'deals', key: 'deal_only', type: 'number' });
    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.request('GET', `/api/custom-fields?resource=accounts&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.accessToken });
      const body = await json(res);
      keys.push(...body.data.map((d: { key: string }) => d.key));
      cursor = body.pagination.nextCursor;
    } while (cursor);
    expect(keys).toEqual(['acc_one', 'acc_two', 'acc_three']);
    const all = await json(await h.request('GET', '/api/custom-fields', { token: admin.accessToken }));
    expect(all.data.map((d: { key: string }) => d.key)).toEqual(expect.arrayContaining(['acc_one', 'deal_only']));
  });
});

describe('custom field values on leads', () => {
  const defs: Record<string, string> = {};
  beforeAll(async () => {
    for (const d of [
      { key: 'nickname', type: 'text' },
      { key: 'employees', type: 'number' },
      { key: 'founded', type: 'date' },
      { key: 'vip', type: 'boolean' },
      { key: 'segment', type: 'select', options: ['smb', 'mid', 'ent'] },
      { key: 'channels', type: 'multiselect', options: ['email', 'phone', 'chat'] },
      { key: 'website', type: 'url' },
      { key: 'billing_email', type: 'email' },
    ]) {
      defs[d.key] = (await define(d)).id;
    }
  });

  const valid = {
    nickname: 'Ace',
    employees: 50,
    founded: '1999-04-01',
    vip: true,
    segment: 'mid',
    channels: ['email', 'chat'],
    website: 'https://ace.example',
    billing_email: 'ap@ace.example',
  };

  it('stores valid values of every type', async () => {
    const res = await createLead({ lastName: 'Valid', customFields: valid });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data.customFields).toEqual(valid);
    const [row] = await h.raw.query('select custom_fields from leads where id = $1', [data.id]);
    expect(row?.custom_fields).toEqual(valid);
  });

  it.each([
    ['nickname', 42],
    ['employees', '50'],
    ['founded', '01/04/1999'],
    ['vip', 'yes'],
    ['segment', 'huge'],
    ['segment', ['smb']],
    ['channels', ['email', 'fax']],
    ['channels', 'email'],
    ['website', 'not a url'],
    ['billing_email', 'nobody'],
    ['undefined_key', 'x'],
  ])('create with customFields.%s = %j → 400 naming the field, nothing stored', async (key, value) => {
    const lastName = `Bad ${key} ${JSON.stringify(value)}`;
    await expect400(await createLead({ lastName, customFields: { ...valid, [key]: value } }), `customFields.${key}`);
    expect(await h.raw.query('select 1 from leads where last_name = $1', [lastName])).toHaveLength(0);
  });

  it('update validates, merges, and clears a value with null', async () => {
    const { data } = await json(await createLead({ lastName: 'Merge', customFields: { segment: 'smb', vip: false } }));
    await expect400(
      await h.request('PATCH', `/api/leads/${data.id}`, { token: admin.accessToken, body: { customFields: { employees: 'many' } } }),
      'customFields.employees',
    );
    const merged = await h.request('PATCH', `/api/leads/${data.id}`, { token: admin.accessToken, body: { customFields: { employees: 7, vip: null } } });
    expect(merged.status).toBe(200);
    expect((await json(merged)).data.customFields).toEqual({ segment: 'smb', employees: 7 });
  });

  it('a required field must be present on create', async () => {
    const def = await define({ key: 'region', type: 'text', required: true });
    await expect400(await createLead({ lastName: 'NoRegion' }), 'customFields.region');
    expect(await h.raw.query("select 1 from leads where last_name = 'NoRegion'")).toHaveLength(0);
    expect((await createLead({ lastName: 'WithRegion', customFields: { region: 'EMEA' } })).status).toBe(201);
    // Not required any more: leads are created without it again.
    await h.request('PATCH', `/api/custom-fields/${def.id}`, { token: admin.accessToken, body: { required: false } });
    expect((await createLead({ lastName: 'NoRegionAgain' })).status).toBe(201);
  });

  it('filters lists with cf.<key> (scalar equality, multiselect membership), combined with other filters', async () => {
    await createLead({ lastName: 'FltA', email: 'a@flt.example', customFields: { segment: 'smb', vip: true, channels: ['chat'], employees: 10 } });
    await createLead({ lastName: 'FltB', email: 'b@flt.example', customFields: { segment: 'smb', vip: false, channels: ['email', 'phone'] } });
    await createLead({ lastName: 'FltC', email: 'c@flt.example', customFields: { segment: 'ent', vip: true } });
    await createLead({ lastName: 'FltD', email: 'd@flt.example' });
    expect(await leadIds('q=flt.example&cf.segment=smb')).toEqual(['FltA', 'FltB']);
    expect(await leadIds('q=flt.example&cf.vip=true')).toEqual(['FltA', 'FltC']);
    expect(await leadIds('q=flt.example&cf.segment=smb&cf.vip=true')).toEqual(['FltA']);
    expect(await leadIds('q=flt.example&cf.channels=phone')).toEqual(['FltB']);
    expect(await leadIds('q=flt.example&cf.employees=10')).toEqual(['FltA']);
    expect(await leadIds('q=flt.example&cf.segment=mid')).toEqual([]);
    const total = await json(await h.request('GET', '/api/leads?q=flt.example&cf.segment=smb&include=total', { token: admin.accessToken }));
    expect(total.pagination.total).toBe(2);
  });

  it('documents cf.<key> in the OpenAPI description of lists with custom fields', async () => {
    const doc = await json(await h.request('GET', '/openapi.json'));
    expect(doc.paths['/api/leads'].get.description).toMatch(/cf\.<key>=value/);
    expect(doc.paths['/api/activities'].get.description ?? '').not.toMatch(/cf\./);
  });
});

describe('changing and deleting definitions in use', () => {
  it('deleting a definition strips its values from every record in the same request (versions bumped)', async () => {
    await define({ key: 'temp', type: 'text' });
    await define({ key: 'keep', type: 'text' });
    const a = (await json(await createLead({ lastName: 'StripA', customFields: { temp: 'x', keep: 'k' } }))).data;
    const b = (await json(await createLead({ lastName: 'StripB', customFields: { temp: 'y' } }))).data;
    const untouched = (await json(await createLead({ lastName: 'StripC', customFields: { keep: 'k' } }))).data;
    const list = await json(await h.request('GET', '/api/custom-fields?resource=leads', { token: admin.accessToken }));
    const temp = list.data.find((d: { key: string }) => d.key === 'temp');
    expect((await h.request('DELETE', `/api/custom-fields/${temp.id}`, { token: admin.accessToken })).status).toBe(204);

    const rows = await h.raw.query<{ id: string; custom_fields: Record<string, unknown>; version: number }>(
      'select id, custom_fields, version from leads where id = any($1) order by last_name',
      [[a.id, b.id, untouched.id]],
    );
    expect(rows.map((r) => [r.custom_fields, r.version])).toEqual([
      [{ keep: 'k' }, 2],
      [{}, 2],
      [{ keep: 'k' }, 1],
    ]);
    expect(await h.raw.query("select 1 from leads where custom_fields ? 'temp'")).toHaveLength(0);
    const audit = await h.raw.query<{ changes: { valuesRemovedFrom: number } }>('select changes from audit_logs where resource_id = $1 and action = $2', [
      temp.id,
      'custom_field.deleted',
    ]);
    expect(audit[0]?.changes.valuesRemovedFrom).toBe(2);
    // The key is free again, and the old values do not come back.
    await define({ key: 'temp', type: 'number' });
    expect((await json(await h.request('GET', `/api/leads/${a.id}`, { token: admin.accessToken }))).data.customFields).toEqual({ keep: 'k' });
  });

  it('key and type change freely while unused, and are 409 once a record holds a value', async () => {
    const def = await define({ key: 'draft', type: 'text' });
    const renamed = await h.request('PATCH', `/api/custom-fields/${def.id}`, { token: admin.accessToken, body: { key: 'final', type: 'number' } });
    expect(renamed.status).toBe(200);
    expect((await json(renamed)).data).toMatchObject({ key: 'final', type: 'number' });
    expect((await createLead({ lastName: 'UsesFinal', customFields: { final: 3 } })).status).toBe(201);

    const before = (await h.raw.query('select * from custom_field_definitions where id = $1', [def.id]))[0];
    for (const [body, field] of [
      [{ key: 'renamed' }, 'key'],
      [{ type: 'text' }, 'type'],
    ] as const) {
      const res = await h.request('PATCH', `/api/custom-fields/${def.id}`, { token: admin.accessToken, body });
      expect(res.status).toBe(409);
      const err = await json(res);
      expect(err.error).toBe('conflict');
      expect(err.details[0].field).toBe(field);
    }
    expect((await h.raw.query('select * from custom_field_definitions where id = $1', [def.id]))[0]).toEqual(before);
    // Label and required still change.
    expect((await h.request('PATCH', `/api/custom-fields/${def.id}`, { token: admin.accessToken, body: { label: 'Final score' } })).status).toBe(200);
  });

  it('options: adding or removing unused ones is fine, removing one in use is 409; a new type without options drops them', async () => {
    const def = await define({ key: 'size', type: 'multiselect', options: ['s', 'm', 'l'] });
    expect((await createLead({ lastName: 'UsesSize', customFields: { size: ['m'] } })).status).toBe(201);
    const ok = await h.request('PATCH', `/api/custom-fields/${def.id}`, { token: admin.accessToken, body: { options: ['m', 'l', 'xl'] } });
    expect(ok.status).toBe(200);
    const res = await h.request('PATCH', `/api/custom-fields/${def.id}`, { token: admin.accessToken, body: { options: ['l', 'xl'] } });
    expect(res.status).toBe(409);
    expect((await json(res)).details[0].field).toBe('options');
    expect((await h.raw.query('select options from custom_field_definitions where id = $1', [def.id]))[0]).toEqual({ options: ['m', 'l', 'xl'] });

    const unused = await define({ key: 'flavour', type: 'select', options: ['a', 'b'] });
    const asText = await h.request('PATCH', `/api/custom-fields/${unused.id}`, { token: admin.accessToken, body: { type: 'text' } });
    expect(asText.status).toBe(200);
    expect((await json(asText)).data).toMatchObject({ type: 'text', options: null });
  });
});
