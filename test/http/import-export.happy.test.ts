import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/routes/crm/shared/csv.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let manager: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  manager = await h.login('acme', 'manager');
});

const count = async (sql: string, params: unknown[] = []) => (await h.raw.query<{ n: number }>(`select count(*)::int as n from (${sql}) t`, params))[0]?.n ?? 0;
const csvImport = (path: string, body: string, token = admin.accessToken) => h.request('POST', path, { token, body, headers: { 'content-type': 'text/csv' } });
const auditRows = (action: string) =>
  h.raw.query<{ changes: Record<string, unknown>; actor_id: string }>('select changes, actor_id from audit_logs where action = $1 order by created_at', [
    action,
  ]);

/** An export as objects keyed by its header. */
async function exported(path: string, token = admin.accessToken) {
  const res = await h.request('GET', path, { token });
  expect(res.status, path).toBe(200);
  const [header, ...records] = parseCsv(await res.text());
  return records.map((r) => Object.fromEntries((header ?? []).map((k, i) => [k, r[i]])));
}

describe('import', () => {
  it('creates contacts from a JSON array with the caller as owner, and writes one audit row with the counts', async () => {
    const res = await h.request('POST', '/api/contacts/import', {
      token: manager.accessToken,
      body: [
        { firstName: 'Ada', lastName: 'Imported', email: 'Ada@Import.Example' },
        { lastName: 'Imported2', phone: '+1 555 0100' },
      ],
    });
    expect(res.status).toBe(200);
    expect((await json(res)).data).toEqual({ created: 2, updated: 0, failed: 0, errors: [] });
    const rows = await h.raw.query<{ email: string | null; owner_id: string; tenant_id: string }>(
      `select email, owner_id, tenant_id from contacts where last_name like 'Imported%' order by last_name`,
    );
    expect(rows).toEqual([
      { email: 'ada@import.example', owner_id: manager.userId, tenant_id: manager.tenantId },
      { email: null, owner_id: manager.userId, tenant_id: manager.tenantId },
    ]);
    const audits = await auditRows('contact.imported');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor_id: manager.userId, changes: { created: 2, updated: 0, failed: 0, rows: 2, partial: false, format: 'json' } });
  });

  it('upserts on email case-insensitively: matching contacts are updated (provided fields only), the rest created', async () => {
    const existing = (
      await json(
        await h.request('POST', '/api/contacts', {
          token: admin.accessToken,
          body: { lastName: 'Before', email: 'upsert@import.example', phone: '+1 555 0199', title: 'Old' },
        }),
      )
    ).data;
    const before = await count('select 1 from contacts');
    const res = await h.request('POST', '/api/contacts/import', {
      token: manager.accessToken,
      body: [
        { lastName: 'After', email: 'UPSERT@Import.example', title: 'New' },
        { lastName: 'Fresh', email: 'fresh@import.example' },
      ],
    });
    expect((await json(res)).data).toEqual({ created: 1, updated: 1, failed: 0, errors: [] });
    expect(await count('select 1 from contacts')).toBe(before + 1);
    const [row] = await h.raw.query('select last_name, email, phone, title, owner_id, version from contacts where id = $1', [existing.id]);
    // Phone was not in the row: kept. The owner stays (an import by a manager does not take ownership).
    expect(row).toEqual({ last_name: 'After', email: 'upsert@import.example', phone: '+1 555 0199', title: 'New', owner_id: admin.userId, version: 2 });
    const etag = (await h.request('GET', `/api/contacts/${existing.id}`, { token: admin.accessToken })).headers.get('etag');
    expect(etag).toBe(`"${existing.id.slice(0, 8)}-2"`);
  });

  it('upserts accounts on domain and leads on email', async () => {
    await h.request('POST', '/api/accounts', { token: admin.accessToken, body: { name: 'Old Name', domain: 'upsert-acct.example', industry: 'Retail' } });
    const accounts = await h.request('POST', '/api/accounts/import', {
      token: admin.accessToken,
      body: [{ name: 'New Name', domain: 'UPSERT-ACCT.example', size: '11-50' }, { name: 'No Domain A' }, { name: 'No Domain B' }],
    });
    expect((await json(accounts)).data).toEqual({ created: 2, updated: 1, failed: 0, errors: [] });
    expect(await h.raw.query(`select name, industry, size from accounts where domain = 'upsert-acct.example'`)).toEqual([
      { name: 'New Name', industry: 'Retail', size: '11-50' },
    ]);

    await h.request('POST', '/api/leads', { token: admin.accessToken, body: { lastName: 'Lead', email: 'lead@upsert.example', score: 10 } });
    const leads = await h.request('POST', '/api/leads/import', {
      token: admin.accessToken,
      body: [{ lastName: 'Lead', email: 'Lead@Upsert.example', score: 80, status: 'qualified' }],
    });
    expect((await json(leads)).data).toMatchObject({ created: 0, updated: 1 });
    expect(await h.raw.query(`select score, status from leads where email = 'lead@upsert.example'`)).toEqual([{ score: 80, status: 'qualified' }]);
  });

  it('imports CSV: quoted commas, quotes and line breaks, typed cells, JSON custom fields; empty cells stay unset', async () => {
    await h.raw.query(`insert into custom_field_definitions (tenant_id, resource, key, label, type) values ($1, 'leads', 'tier', 'Tier', 'text')`, [
      admin.tenantId,
    ]);
    const csv = [
      'firstName,lastName,email,company,score,notes,customFields',
      'Grace,Hopper,grace@csv.example,"Navy, US",70,"said ""hello""\r\nthen left","{""tier"":""gold""}"',
      ',Lovelace,ada@csv.example,,,,',
      '',
    ].join('\r\n');
    const res = await csvImport('/api/leads/import', csv);
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await json(res)).data).toEqual({ created: 2, updated: 0, failed: 0, errors: [] });
    const rows = await h.raw.query(
      `select first_name, company, score, notes, status, custom_fields from leads where email like '%@csv.example' order by last_name`,
    );
    expect(rows).toEqual([
      { first_name: 'Grace', company: 'Navy, US', score: 70, notes: 'said "hello"\r\nthen left', status: 'new', custom_fields: { tier: 'gold' } },
      { first_name: '', company: null, score: 0, notes: null, status: 'new', custom_fields: {} },
    ]);
    const audits = await auditRows('lead.imported');
    expect(audits.at(-1)?.changes).toMatchObject({ created: 2, format: 'csv' });
  });

  it('replays an import sent again with the same Idempotency-Key instead of running it twice', async () => {
    const body = [{ lastName: 'Idem', email: 'idem@import.example' }];
    const headers = { 'idempotency-key': 'import-once-1' };
    const first = await h.request('POST', '/api/contacts/import', { token: admin.accessToken, body, headers });
    const second = await h.request('POST', '/api/contacts/import', { token: admin.accessToken, body, headers });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const firstBody = await json(first);
    expect(firstBody.data.created).toBe(1);
    expect(await json(second)).toEqual(firstBody);
    expect(await count(`select 1 from audit_logs where action = 'contact.imported' and changes->>'created' = '1' and changes->>'rows' = '1'`)).toBe(1);
  });

  it('imports 10,000 rows in one request, then updates all of them with the same file', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      firstName: 'Bulk',
      lastName: `Row ${i}`,
      email: `bulk${i}@big.example`,
      title: 'Imported',
      notes: 'x'.repeat(50),
    }));
    const before = await count('select 1 from contacts');
    let started = performance.now();
    const res = await h.request('POST', '/api/contacts/import', { token: admin.accessToken, body: rows });
    const createMs = performance.now() - started;
    expect(res.status).toBe(200);
    expect((await json(res)).data).toEqual({ created: 10_000, updated: 0, failed: 0, errors: [] });
    expect(await count('select 1 from contacts')).toBe(before + 10_000);

    started = performance.now();
    const again = await h.request('POST', '/api/contacts/import', { token: admin.accessToken, body: rows.map((r) => ({ ...r, title: 'Updated' })) });
    const updateMs = performance.now() - started;
    expect((await json(again)).data).toEqual({ created: 0, updated: 10_000, failed: 0, errors: [] });
    expect(await count(`select 1 from contacts where email like '%@big.example' and title = 'Updated' and version = 2`)).toBe(10_000);
    console.log(`[import] 10,000 rows (${process.env.TEST_DB}): create ${Math.round(createMs)} ms, upsert-update ${Math.round(updateMs)} ms`);
  }, 120_000);
});

describe('export', () => {
  it('streams every matching row as CSV in batches, with attachment headers, and audits it', async () => {
    const res = await h.request('GET', '/api/contacts/export?q=big.example&sort=createdAt', { token: manager.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"$/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const chunks: string[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(decoder.decode(r.value));
    // A header chunk, then one chunk per batch of at most 500 rows: the rows were never held at once.
    expect(chunks[0]).toBe('id,firstName,lastName,email,phone,title,accountId,ownerId,notes,customFields,createdAt,updatedAt\r\n');
    const perChunk = chunks.slice(1).map((c) => c.split('\r\n').length - 1);
    expect(perChunk.length).toBeGreaterThanOrEqual(20);
    expect(Math.max(...perChunk)).toBeLessThanOrEqual(500);
    const records = parseCsv(chunks.join('')).slice(1);
    expect(records).toHaveLength(10_000);
    expect(new Set(records.map((r) => r[0])).size).toBe(10_000);
    expect(chunks.join('').endsWith('\r\n')).toBe(true);
    const audits = await auditRows('contact.exported');
    expect(audits.at(-1)).toMatchObject({ actor_id: manager.userId, changes: { query: { q: 'big.example', sort: 'createdAt' } } });
  }, 60_000);

  it('applies the list filters and sort', async () => {
    const acct = (
      await json(await h.request('POST', '/api/accounts', { token: admin.accessToken, body: { name: 'Export Filter Co', industry: 'Mining', size: '1-10' } }))
    ).data.id;
    for (const [lastName, accountId] of [
      ['Exfilt B', acct],
      ['Exfilt A', acct],
      ['Exfilt C', null],
    ] as const) {
      await h.request('POST', '/api/contacts', { token: admin.accessToken, body: { lastName, accountId } });
    }
    const rows = await exported(`/api/contacts/export?accountId=${acct}&sort=lastName`);
    expect(rows.map((r) => r.lastName)).toEqual(['Exfilt A', 'Exfilt B']);
    expect(rows.every((r) => r.accountId === acct)).toBe(true);
    expect((await exported('/api/contacts/export?q=exfilt&sort=-lastName')).map((r) => r.lastName)).toEqual(['Exfilt C', 'Exfilt B', 'Exfilt A']);
    expect((await exported('/api/accounts/export?industry=mining&size=1-10')).map((r) => r.name)).toEqual(['Export Filter Co']);
    expect(await exported('/api/leads/export?status=converted')).toEqual([]);
    // Custom field filters as on the list (the CSV import above gave Grace tier "gold").
    expect((await exported('/api/leads/export?cf.tier=gold')).map((r) => r.email)).toEqual(['grace@csv.example']);
  });

  it('escapes formula-like cells and round-trips quotes, commas and line breaks', async () => {
    const notes = 'He said "no", then\r\nleft; 50% off, ok?';
    await h.request('POST', '/api/contacts', {
      token: admin.accessToken,
      body: { firstName: '=HYPERLINK("http://evil.example")', lastName: '+Roundtrip', title: '@SUM(1)', notes },
    });
    await h.request('POST', '/api/contacts', { token: admin.accessToken, body: { firstName: '-2+3', lastName: 'Roundtrip plain', title: 'a=b' } });
    const rows = await exported('/api/contacts/export?q=roundtrip&sort=lastName');
    expect(rows.map((r) => [r.firstName, r.lastName, r.title])).toEqual([
      [`'=HYPERLINK("http://evil.example")`, "'+Roundtrip", "'@SUM(1)"],
      ["'-2+3", 'Roundtrip plain', 'a=b'],
    ]);
    expect(rows[0]?.notes).toBe(notes);
    expect(rows[0]?.customFields).toBe('{}');

    // An export can be edited and imported back: read-only columns are ignored, rows match on email.
    await h.request('POST', '/api/contacts', { token: admin.accessToken, body: { lastName: 'Cycle', email: 'cycle@export.example', notes } });
    const res = await h.request('GET', '/api/contacts/export?q=cycle@export', { token: admin.accessToken });
    const edited = (await res.text()).replace('Cycle', 'Cycled');
    const back = await csvImport('/api/contacts/import', edited);
    expect((await json(back)).data).toEqual({ created: 0, updated: 1, failed: 0, errors: [] });
    expect(await h.raw.query(`select last_name, notes from contacts where email = 'cycle@export.example'`)).toEqual([{ last_name: 'Cycled', notes }]);
  });
});
