import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  await h.raw.query(
    `insert into custom_field_definitions (tenant_id, resource, key, label, type, required) values ($1, 'accounts', 'region', 'Region', 'select', true)`,
    [admin.tenantId],
  );
  await h.raw.query(`update custom_field_definitions set options = '["emea","apac"]' where key = 'region'`);
});

const count = async (table: string) => (await h.raw.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]?.n ?? 0;
const importJson = (resource: string, body: unknown, query = '') => h.request('POST', `/api/${resource}/import${query}`, { token: admin.accessToken, body });
const importCsv = (resource: string, body: string, query = '') =>
  h.request('POST', `/api/${resource}/import${query}`, { token: admin.accessToken, body, headers: { 'content-type': 'text/csv' } });

async function expectError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body.error).toBe(error);
  return body;
}

const mixed = [
  { lastName: 'Valid One', email: 'v1@mixed.example' },
  { lastName: '', email: 'bad1@mixed.example' },
  { lastName: 'Valid Two', email: 'v2@mixed.example', phone: '+1 555 0100' },
  { lastName: 'Bad Two', email: 'not-an-email', tenantId: 'x' },
  { lastName: 'Valid Three' },
];

describe('all-or-nothing vs partial', () => {
  it('any invalid row → 400 with every row error, and nothing written (no rows, no audit)', async () => {
    const [contacts, audits] = [await count('contacts'), await count('audit_logs')];
    const body = await expectError(await importJson('contacts', mixed), 400, 'validation_error');
    expect(body.message).toMatch(/2 of 5 rows are invalid; nothing was imported/);
    expect(body.details).toEqual([
      { row: 2, field: 'lastName', message: expect.any(String) },
      { row: 4, field: 'email', message: 'valid email is required' },
      { row: 4, field: 'tenantId', message: 'unknown field' },
    ]);
    expect([await count('contacts'), await count('audit_logs')]).toEqual([contacts, audits]);
  });

  it('?partial=true writes the valid rows and reports the failed ones', async () => {
    const before = await count('contacts');
    const res = await importJson('contacts', mixed, '?partial=true');
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data).toMatchObject({ created: 3, updated: 0, failed: 2 });
    expect(data.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [2, 'lastName'],
      [4, 'email'],
      [4, 'tenantId'],
    ]);
    expect(await count('contacts')).toBe(before + 3);
    expect(await h.raw.query(`select last_name from contacts where last_name like 'Valid%' order by last_name`)).toEqual([
      { last_name: 'Valid One' },
      { last_name: 'Valid Three' },
      { last_name: 'Valid Two' },
    ]);
    const [audit] = await h.raw.query<{ changes: Record<string, unknown> }>(`select changes from audit_logs where action = 'contact.imported'`);
    expect(audit?.changes).toMatchObject({ created: 3, updated: 0, failed: 2, rows: 5, partial: true });
  });

  it('the same email twice in one import is a row error on the later row', async () => {
    const rows = [{ lastName: 'Twin A', email: 'twin@dup.example' }, { lastName: 'Other' }, { lastName: 'Twin B', email: 'TWIN@dup.example' }];
    const body = await expectError(await importJson('contacts', rows), 400, 'validation_error');
    expect(body.details).toEqual([{ row: 3, field: 'email', message: 'same email as row 1' }]);
    const partial = await json(await importJson('contacts', rows, '?partial=true'));
    expect(partial.data).toMatchObject({ created: 2, failed: 1 });
    expect(await h.raw.query(`select last_name from contacts where email = 'twin@dup.example'`)).toEqual([{ last_name: 'Twin A' }]);
  });

  it('validates custom fields per row against the tenant definitions (unknown key, bad option, required)', async () => {
    const before = await count('accounts');
    const rows = [
      { name: 'Cf ok', customFields: { region: 'emea' } },
      { name: 'Cf unknown', customFields: { region: 'apac', colour: 'red' } },
      { name: 'Cf bad option', customFields: { region: 'mars' } },
      { name: 'Cf missing' },
    ];
    const body = await expectError(await importJson('accounts', rows), 400, 'validation_error');
    expect(body.details).toEqual([
      { row: 2, field: 'customFields.colour', message: 'unknown custom field' },
      { row: 3, field: 'customFields.region', message: 'must be a valid select' },
      { row: 3, field: 'customFields.region', message: 'is required' },
      { row: 4, field: 'customFields.region', message: 'is required' },
    ]);
    expect(await count('accounts')).toBe(before);
  });
});

describe('concurrent imports', () => {
  it('two imports of the same new rows at once never duplicate a record, and their counts add up', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ lastName: `Race ${i}`, email: `race${i}@concurrent.example` }));
    const results = await Promise.all([importJson('contacts', rows), importJson('contacts', rows)]);
    const bodies = await Promise.all(results.map((r) => json(r)));
    // Each either ran (before or after the other) or was refused whole as a conflict: never half-applied.
    for (const [i, res] of results.entries()) expect([200, 409], JSON.stringify(bodies[i])).toContain(res.status);
    const done = bodies.filter((_, i) => results[i]?.status === 200).map((b) => b.data);
    expect(done.reduce((n, d) => n + d.created, 0)).toBe(300);
    expect(await count(`contacts where email like '%@concurrent.example'`)).toBe(300);
    const imported = await h.raw.query<{ n: number }>(
      `select count(*)::int as n from audit_logs where action = 'contact.imported' and changes->>'rows' = '300'`,
    );
    expect(imported[0]?.n).toBe(done.length);
  });
});

describe('request errors', () => {
  it('an empty array or a CSV with only a header → 400', async () => {
    await expectError(await importJson('contacts', []), 400, 'validation_error');
    await expectError(await importCsv('contacts', 'lastName,email\r\n'), 400, 'validation_error');
    await expectError(await h.request('POST', '/api/contacts/import', { token: admin.accessToken }), 400, 'validation_error');
  });

  it('more than 10,000 rows → 400 and nothing written (JSON and CSV)', async () => {
    const before = await count('contacts');
    const rows = Array.from({ length: 10_001 }, (_, i) => ({ lastName: `Over ${i}` }));
    await expectError(await importJson('contacts', rows), 400, 'validation_error');
    const csv = `lastName\r\n${rows.map((r) => r.lastName).join('\r\n')}`;
    const body = await expectError(await importCsv('contacts', csv), 400, 'validation_error');
    expect(body.message).toMatch(/at most 10000 rows/);
    expect(await count('contacts')).toBe(before);
  });

  it('the import routes take bodies up to 10 MiB; every other route keeps 1 MiB', async () => {
    const big = Array.from({ length: 3_000 }, (_, i) => ({ lastName: `Large ${i}`, notes: 'n'.repeat(600) }));
    const size = JSON.stringify(big).length;
    expect(size).toBeGreaterThan(1024 * 1024);
    const res = await importJson('contacts', big);
    expect(res.status).toBe(200);
    expect((await json(res)).data.created).toBe(3_000);
    await expectError(
      await h.request('POST', '/api/contacts', { token: admin.accessToken, body: { lastName: 'Huge', notes: 'n'.repeat(1024 * 1024) } }),
      413,
      'payload_too_large',
    );
    const tooBig = `lastName,notes\r\n${`x,${'n'.repeat(9_999)}\r\n`.repeat(1_100)}`;
    expect(tooBig.length).toBeGreaterThan(10 * 1024 * 1024);
    await expectError(await importCsv('contacts', tooBig), 413, 'payload_too_large');
    expect(await h.raw.query(`select 1 from contacts where last_name = 'Huge' or (last_name = 'x' and length(notes) = 9999) limit 1`)).toEqual([]);
  });

  it.each([
    ['an unknown column', 'lastName,password\r\nA,secret\r\n', 'password'],
    ['a duplicated column', 'lastName,lastName\r\nA,B\r\n', 'lastName'],
    ['an unterminated quote', 'lastName,notes\r\nA,"open\r\n', 'body'],
    ['text after a closing quote', 'lastName\r\n"A"B\r\n', 'body'],
  ])('CSV with %s → 400 on %s, nothing written', async (_what, csv, field) => {
    const before = await count('contacts');
    const body = await expectError(await importCsv('contacts', csv), 400, 'validation_error');
    expect(body.details[0].field).toBe(field);
    expect(await count('contacts')).toBe(before);
  });

  it('a CSV record with the wrong number of cells is a row error; typed cells are checked like JSON', async () => {
    const csv = 'lastName,email,score\r\nGood,good@cells.example,5\r\nShort,short@cells.example\r\nTyped,typed@cells.example,lots\r\n';
    const body = await expectError(await importCsv('leads', csv), 400, 'validation_error');
    expect(body.details.map((d: { row: number; field: string }) => [d.row, d.field])).toEqual([
      [2, 'row'],
      [3, 'score'],
    ]);
    expect(await h.raw.query(`select 1 from leads where email like '%@cells.example'`)).toEqual([]);
  });

  it('another media type → 415; unknown or malformed query parameters → 400', async () => {
    await expectError(
      await h.request('POST', '/api/contacts/import', { token: admin.accessToken, body: 'lastName\nA', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
    await expectError(await importJson('contacts', [{ lastName: 'Q' }], '?partial=yes'), 400, 'validation_error');
    await expectError(await importJson('contacts', [{ lastName: 'Q' }], '?dryRun=true'), 400, 'validation_error');
    await expectError(await importJson('contacts', [42]), 400, 'validation_error');
  });

  it.each(['limit=10', 'cursor=abc', 'include=total', 'status=new', 'sort=password', 'createdAtFrom=yesterday'])(
    'export refuses %s with 400 (no pages on export, same filters as the list)',
    async (query) => {
      const audits = await count('audit_logs');
      await expectError(await h.request('GET', `/api/contacts/export?${query}`, { token: admin.accessToken }), 400, 'validation_error');
      expect(await count('audit_logs')).toBe(audits);
    },
  );

  it('/import and /export are not taken for ids, and other methods on them are not routed to /{id} handlers', async () => {
    expect((await h.request('GET', '/api/accounts/export', { token: admin.accessToken })).status).toBe(200);
    expect((await h.request('GET', '/api/accounts/import', { token: admin.accessToken })).status).not.toBe(200);
    expect((await h.request('DELETE', '/api/accounts/export', { token: admin.accessToken })).status).toBe(400);
  });
});
