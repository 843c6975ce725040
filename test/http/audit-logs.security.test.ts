import { beforeAll, describe, expect, it } from 'vitest';
import { type Role, roles } from '../../src/db/schema/index.ts';
import { parseCsv } from '../../src/routes/crm/shared/csv.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let acmeUsers: Record<Role, Session>;
let otherAdmin: Session;
let acme: string;
let other: string;

const verify = async (token = acmeUsers.tenant_admin.accessToken) => json(await h.request('GET', '/api/audit-logs/verify', { token }));
const acmeRows = () =>
  h.raw.query<{ id: string; seq: string; hash: string; changes: unknown }>('select id, seq, hash, changes from audit_logs where tenant_id = $1 order by seq', [
    acme,
  ]);

beforeAll(async () => {
  h = await createHarness();
  acmeUsers = await h.loginAll('acme');
  otherAdmin = await h.login('mycompany', 'tenant_admin');
  acme = await h.tenantId('acme');
  other = await h.tenantId('mycompany');
  for (const lastName of ['One', 'Two', 'Three', 'Four']) {
    expect((await h.request('POST', '/api/leads', { token: acmeUsers.tenant_admin.accessToken, body: { lastName } })).status).toBe(201);
  }
  expect((await h.request('POST', '/api/leads', { token: otherAdmin.accessToken, body: { lastName: 'OtherTenant' } })).status).toBe(201);
});

describe('who may read the audit log', () => {
  it.each(roles.filter((r) => r !== 'tenant_admin'))('%s gets 403 on the list, the CSV and verify', async (role) => {
    const token = acmeUsers[role].accessToken;
    for (const path of [
      '/api/audit-logs',
      '/api/audit-logs?format=csv',
      '/api/audit-logs/export',
      '/api/audit-logs/verify',
      '/api/security-events?format=csv',
      '/api/security-events/export',
    ]) {
      const res = await h.request('GET', path, { token });
      expect(res.status, path).toBe(403);
      expect((await json(res)).error).toBe('insufficient_permissions');
    }
  });

  it('needs a credential', async () => {
    expect((await h.request('GET', '/api/audit-logs')).status).toBe(401);
    expect((await h.request('GET', '/api/audit-logs/verify')).status).toBe(401);
  });

  it("tenant B never sees tenant A's rows, by list, filter, CSV or id", async () => {
    const acmeIds = new Set((await acmeRows()).map((r) => r.id));
    const list = await json(await h.request('GET', '/api/audit-logs?limit=100', { token: otherAdmin.accessToken }));
    expect(list.data.length).toBeGreaterThan(0);
    expect(list.data.some((r: { id: string }) => acmeIds.has(r.id))).toBe(false);
    const [firstAcme] = await acmeRows();
    const byActor = await json(await h.request('GET', `/api/audit-logs?actorId=${acmeUsers.tenant_admin.userId}`, { token: otherAdmin.accessToken }));
    expect(byActor.data).toEqual([]);
    const csv = await h.request('GET', '/api/audit-logs?format=csv', { token: otherAdmin.accessToken });
    const ids = parseCsv(await csv.text())
      .slice(1)
      .map((r) => r[11]);
    expect(ids.some((id) => acmeIds.has(id as string))).toBe(false);
    expect(ids).not.toContain(firstAcme?.id);
  });

  it("a token of tenant A sent to tenant B is a 403 tenant mismatch, not B's log", async () => {
    const res = await h.request('GET', '/api/audit-logs', { token: acmeUsers.tenant_admin.accessToken, headers: { 'x-tenant-id': 'mycompany' } });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('tenant_mismatch');
  });
});

describe('the app cannot rewrite history', () => {
  it('UPDATE, DELETE and TRUNCATE of audit_logs are refused to crm_app, and the chain head cannot be written', async () => {
    for (const statement of ['update audit_logs set action = $$x$$', 'delete from audit_logs', 'truncate audit_logs', 'update audit_chain_heads set seq = 1']) {
      await expect(h.db.transaction(acme, (q) => q.execute(statement as never))).rejects.toThrow();
    }
    expect((await verify()).valid).toBe(true);
  });

  it('an inserted row cannot choose its own seq or hashes: the trigger sets them', async () => {
    await h.db.transaction(acme, (q) =>
      q.execute(
        `insert into audit_logs (tenant_id, actor_type, action, resource_type, seq, hash, prev_hash, content_hash)
                 values ('${acme}', 'system', 'forged', 'x', 1, 'f', 'f', 'f')` as never,
      ),
    );
    const [row] = await h.raw.query<{ seq: string; hash: string }>(`select seq, hash from audit_logs where action = 'forged'`);
    expect(Number(row?.seq)).toBeGreaterThan(1);
    expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await verify()).valid).toBe(true);
  });
});

describe('tamper evidence (edits made directly in the database, as its owner)', () => {
  it('an edited row is reported, by seq and id', async () => {
    const rows = await acmeRows();
    const target = rows[1];
    await h.raw.query(`update audit_logs set changes = '{"lastName":"Edited"}' where id = $1`, [target?.id]);
    expect(await verify()).toEqual({
      valid: false,
      checked: rows.length,
      firstBrokenSeq: Number(target?.seq),
      firstBrokenId: target?.id,
      reason: 'content_mismatch',
    });
    await h.raw.query('update audit_logs set changes = $2 where id = $1', [target?.id, JSON.stringify(target?.changes)]);
    expect((await verify()).valid).toBe(true);
  });

  it('a forged hash is reported', async () => {
    const rows = await acmeRows();
    const target = rows[2];
    await h.raw.query(`update audit_logs set hash = repeat('a', 64) where id = $1`, [target?.id]);
    expect(await verify()).toMatchObject({ valid: false, firstBrokenId: target?.id, reason: 'hash_mismatch' });
    await h.raw.query('update audit_logs set hash = $2 where id = $1', [target?.id, target?.hash]);
    expect((await verify()).valid).toBe(true);
  });

  it('a rewritten row with recomputed hashes breaks the link to the next row', async () => {
    const rows = await acmeRows();
    const target = rows[1];
    await h.raw.query(`update audit_logs set changes = '{"x":1}' where id = $1;`, [target?.id]);
    await h.raw.query(`update audit_logs set content_hash = audit_sha256(audit_log_content(audit_logs)) where id = $1`, [target?.id]);
    await h.raw.query(`update audit_logs set hash = audit_sha256(prev_hash || content_hash) where id = $1`, [target?.id]);
    const next = rows[2];
    expect(await verify()).toMatchObject({ valid: false, firstBrokenSeq: Number(next?.seq), firstBrokenId: next?.id, reason: 'chain_broken' });
  });

  it("verify covers only the caller's tenant: the other tenant's chain stays valid", async () => {
    expect((await verify(otherAdmin.accessToken)).valid).toBe(true);
    const [mine] = await h.raw.query<{ n: number }>('select count(*)::int as n from audit_logs where tenant_id = $1', [other]);
    expect((await verify(otherAdmin.accessToken)).checked).toBe(mine?.n);
  });
});

describe('tamper evidence: removed rows', () => {
  let hh: Harness;
  let admin: Session;
  let tenant: string;
  const rows = () => hh.raw.query<{ id: string; seq: string }>('select id, seq from audit_logs where tenant_id = $1 order by seq', [tenant]);
  const check = async () => json(await hh.request('GET', '/api/audit-logs/verify', { token: admin.accessToken }));

  beforeAll(async () => {
    hh = await createHarness();
    admin = await hh.login('acme', 'tenant_admin');
    tenant = await hh.tenantId('acme');
    for (const lastName of ['A', 'B', 'C', 'D', 'E']) await hh.request('POST', '/api/leads', { token: admin.accessToken, body: { lastName } });
  });

  it('a deleted middle row is reported at the row after it', async () => {
    const all = await rows();
    await hh.raw.query('delete from audit_logs where id = $1', [all[2]?.id]);
    expect(await check()).toMatchObject({ valid: false, firstBrokenSeq: Number(all[3]?.seq), firstBrokenId: all[3]?.id, reason: 'chain_broken' });
  });

  it('deleting the newest rows is reported against the chain head', async () => {
    const all = await rows();
    const last = all.at(-1);
    await hh.raw.query('delete from audit_logs where id = $1', [last?.id]);
    const result = await check();
    // The middle row removed above still comes first.
    expect(result).toMatchObject({ valid: false, reason: 'chain_broken' });
    await hh.raw.query(`delete from audit_logs where tenant_id = $1 and seq <= 3`, [tenant]);
    expect(await check()).toMatchObject({ valid: false, reason: 'chain_start_mismatch', firstBrokenSeq: 4 });
    await hh.raw.query(`delete from audit_logs where tenant_id = $1`, [tenant]);
    expect(await check()).toMatchObject({ valid: false, reason: 'chain_head_mismatch', checked: 0 });
  });
});
