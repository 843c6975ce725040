import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/routes/crm/shared/csv.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let sales: Session;
let acme: string;
const leadIds: string[] = [];

interface AuditRow {
  id: string;
  seq: number;
  action: string;
  actorId: string | null;
  actorType: string;
  resourceType: string;
  resourceId: string | null;
  createdAt: string;
  contentHash: string;
  prevHash: string;
  hash: string;
}

const list = async (query = '') => {
  const res = await h.request('GET', `/api/audit-logs${query}`, { token: admin.accessToken });
  expect(res.status).toBe(200);
  return json<{ data: AuditRow[]; pagination: { limit: number; nextCursor: string | null } }>(res);
};
const verify = async () => json(await h.request('GET', '/api/audit-logs/verify', { token: admin.accessToken }));

beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  sales = await h.login('acme', 'sales_user');
  acme = await h.tenantId('acme');
  for (const [token, lastName] of [
    [sales.accessToken, 'Hopper'],
    [admin.accessToken, 'Lovelace'],
    [sales.accessToken, 'Turing'],
  ] as const) {
    const res = await h.request('POST', '/api/leads', { token, body: { lastName, email: `${lastName.toLowerCase()}@audit.example` } });
    expect(res.status).toBe(201);
    leadIds.push((await json(res)).data.id);
  }
  expect((await h.request('PATCH', `/api/leads/${leadIds[0]}`, { token: sales.accessToken, body: { score: 10 } })).status).toBe(200);
});

describe('audit log hash chain', () => {
  it('chains every row of a tenant: seq 1..n without gaps, each prevHash the previous hash', async () => {
    const rows = await h.raw.query<{ seq: string; prev_hash: string; hash: string }>(
      'select seq, prev_hash, hash from audit_logs where tenant_id = $1 order by seq',
      [acme],
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    rows.forEach((row, i) => {
      expect(Number(row.seq)).toBe(i + 1);
      expect(row.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1]?.hash);
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    });
    const [head] = await h.raw.query<{ seq: string; hash: string }>('select seq, hash from audit_chain_heads where tenant_id = $1', [acme]);
    expect(Number(head?.seq)).toBe(rows.length);
    expect(head?.hash).toBe(rows.at(-1)?.hash);
  });

  it('verifies an untouched chain', async () => {
    const before = await list('?limit=100');
    expect(await verify()).toEqual({ valid: true, checked: before.data.length });
  });

  it('keeps the chain whole under 20 concurrent writes of one tenant', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => h.request('POST', '/api/leads', { token: admin.accessToken, body: { lastName: `Parallel${i}` } })));
    const result = await verify();
    expect(result.valid).toBe(true);
    const [n] = await h.raw.query<{ n: number; max: string }>('select count(*)::int as n, max(seq) as max from audit_logs where tenant_id = $1', [acme]);
    expect(result.checked).toBe(n?.n);
    expect(Number(n?.max)).toBe(n?.n);
  });

  it('costs no extra statement: a create still sends the statements it sent before the chain', async () => {
    // The chain is kept by a trigger inside the INSERT of the audit row.
    const { statements } = await h.countQueries(() => h.request('POST', '/api/leads', { token: admin.accessToken, body: { lastName: 'Counted' } }));
    expect(statements.filter((s) => /audit_chain_heads|audit_sha256/i.test(s))).toEqual([]);
    expect(statements.filter((s) => /insert into "audit_logs"/i.test(s))).toHaveLength(1);
  });
});

describe('GET /api/audit-logs', () => {
  it('lists newest first with the chain fields, no tenant id', async () => {
    const { data } = await list();
    expect(data.length).toBeGreaterThan(0);
    const times = data.map((r) => r.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    for (const row of data) {
      expect(row).not.toHaveProperty('tenantId');
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.prevHash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isInteger(row.seq)).toBe(true);
    }
  });

  it('filters by actor, action, resource and id', async () => {
    const bySales = await list(`?actorId=${sales.userId}&limit=100`);
    const [own] = await h.raw.query<{ n: number }>('select count(*)::int as n from audit_logs where actor_id = $1', [sales.userId]);
    expect(bySales.data.length).toBe(own?.n);
    expect(
      bySales.data
        .filter((r) => r.resourceType === 'lead')
        .map((r) => r.resourceId)
        .sort(),
    ).toEqual([leadIds[0], leadIds[0], leadIds[2]].sort());
    expect(bySales.data.every((r) => r.actorId === sales.userId && r.actorType === 'user')).toBe(true);
    const updates = await list('?action=lead.updated');
    expect(updates.data.map((r) => r.resourceId)).toEqual([leadIds[0]]);
    const one = await list(`?resourceType=lead&resourceId=${leadIds[1]}`);
    expect(one.data.map((r) => r.action)).toEqual(['lead.created']);
    expect((await list('?actorType=api_key')).data).toEqual([]);
  });

  it('filters by date range: from/to inclusive, a bare date meaning its whole UTC day', async () => {
    const { data } = await list('?limit=100');
    const newest = data[0] as AuditRow;
    const exact = await list(`?from=${encodeURIComponent(newest.createdAt)}&to=${encodeURIComponent(newest.createdAt)}&limit=100`);
    expect(exact.data.map((r) => r.id)).toContain(newest.id);
    expect(exact.data.every((r) => r.createdAt === newest.createdAt)).toBe(true);
    const today = newest.createdAt.slice(0, 10);
    expect((await list(`?from=${today}&to=${today}&limit=100`)).data.length).toBe(data.length);
    expect((await list('?to=2000-01-01')).data).toEqual([]);
  });

  it('paginates with the cursor: every row exactly once', async () => {
    const all = await list('?limit=100');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((r) => r.id));
      cursor = page.pagination.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.data.map((r) => r.id));
  });

  it('exports CSV (format=csv or Accept: text/csv), filtered, and audits the export', async () => {
    const res = await h.request('GET', '/api/audit-logs?format=csv&action=lead.created', { token: admin.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="audit-logs-\d{4}-\d{2}-\d{2}\.csv"/);
    const [header, ...records] = parseCsv(await res.text());
    expect(header).toEqual([
      'seq',
      'createdAt',
      'actorType',
      'actorId',
      'action',
      'resourceType',
      'resourceId',
      'changes',
      'requestId',
      'ip',
      'userAgent',
      'id',
      'contentHash',
      'prevHash',
      'hash',
    ]);
    const created = await h.raw.query<{ n: number }>(`select count(*)::int as n from audit_logs where tenant_id = $1 and action = 'lead.created'`, [acme]);
    expect(records).toHaveLength(created[0]?.n ?? -1);
    expect(records.every((r) => r[4] === 'lead.created')).toBe(true);
    const exported = await h.raw.query<{ actor_id: string; changes: { query: Record<string, string> } }>(
      `select actor_id, changes from audit_logs where tenant_id = $1 and action = 'audit_log.exported'`,
      [acme],
    );
    expect(exported).toEqual([{ actor_id: admin.userId, changes: { query: { format: 'csv', action: 'lead.created' } } }]);

    const byAccept = await h.request('GET', '/api/audit-logs', { token: admin.accessToken, headers: { accept: 'text/csv' } });
    expect(byAccept.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(parseCsv(await byAccept.text()).length).toBeGreaterThan(1);
  });

  it('streams a large log in batches: more rows than one batch, each exactly once', async () => {
    await h.raw.query(
      `insert into audit_logs (tenant_id, actor_type, action, resource_type, changes)
       select $1, 'system', 'bulk.test', 'test', jsonb_build_object('i', i) from generate_series(1, 1100) as i`,
      [acme],
    );
    const res = await h.request('GET', '/api/audit-logs?format=csv&action=bulk.test', { token: admin.accessToken });
    const [, ...records] = parseCsv(await res.text());
    expect(records).toHaveLength(1100);
    expect(new Set(records.map((r) => r[11])).size).toBe(1100);
    expect((await verify()).valid).toBe(true);
  });
});

describe('CSV export routes', () => {
  it('GET /api/audit-logs/export takes the same filters and is audited', async () => {
    const res = await h.request('GET', `/api/audit-logs/export?resourceId=${leadIds[1]}`, { token: admin.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const [, ...records] = parseCsv(await res.text());
    expect(records.map((r) => [r[4], r[6]])).toEqual([['lead.created', leadIds[1]]]);
    const [last] = await h.raw.query<{ action: string; changes: unknown }>(
      'select action, changes from audit_logs where tenant_id = $1 order by seq desc limit 1',
      [acme],
    );
    expect(last).toEqual({ action: 'audit_log.exported', changes: { query: { resourceId: leadIds[1] } } });
  });

  it('security events export as CSV (route, format=csv and Accept), each export audited', async () => {
    const mismatch = await h.request('GET', '/api/leads', { token: sales.accessToken, headers: { 'x-tenant-id': 'mycompany' } });
    expect(mismatch.status).toBe(403);
    for (const [path, headers] of [
      ['/api/security-events/export', {}],
      ['/api/security-events?format=csv&type=tenant_mismatch', {}],
      ['/api/security-events', { accept: 'text/csv' }],
    ] as const) {
      const res = await h.request('GET', path, { token: admin.accessToken, headers });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/filename="security-events-/);
      const [header, ...records] = parseCsv(await res.text());
      expect(header).toEqual(['createdAt', 'type', 'id', 'requestId', 'userId', 'credentialTenantId', 'requestedTenant', 'ip', 'userAgent', 'details']);
      expect(records.some((r) => r[1] === 'tenant_mismatch' && r[4] === sales.userId)).toBe(true);
    }
    const audited = await h.raw.query(`select 1 from audit_logs where tenant_id = $1 and action = 'security_event.exported'`, [acme]);
    expect(audited).toHaveLength(3);
    const json = await h.request('GET', '/api/security-events', { token: admin.accessToken });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
