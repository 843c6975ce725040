import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activities, leads } from '../../src/db/schema/index.ts';
import { type ShapedSelect, TenantDb } from '../../src/db/scoped.ts';
import { apiColumnsOf, toApi } from '../../src/routes/crm/shared/records.ts';
import { createHarness, type Harness } from '../harness.ts';

/**
 * Scoped.selectShaped compiles a statement once per shape and reuses it: each call must still read its
 * own tenant and its own values, and decode rows exactly as drizzle's select does.
 */
let h: Harness;
let acme: TenantDb;
let mycompany: TenantDb;
beforeAll(async () => {
  h = await createHarness();
  acme = new TenantDb(h.db, await h.tenantId('acme'));
  mycompany = new TenantDb(h.db, await h.tenantId('mycompany'));
  for (const tenant of ['acme', 'mycompany']) {
    const { accessToken } = await h.login(tenant, 'tenant_admin');
    for (const [i, status] of ['new', 'new', 'contacted', 'qualified', 'new'].entries()) {
      const body = { lastName: `Shaped ${i}`, status, ...(i % 2 ? { email: `shaped${i}@${tenant}.example`, score: i * 10 } : {}) };
      expect((await h.request('POST', '/api/leads', { token: accessToken, body })).status).toBe(201);
    }
    // A timestamp with an offset and one left null, for the API-form read below.
    const activity = { type: 'call', subject: 'Shaped call', dueAt: '2026-05-01T10:00:00.123+02:00' };
    expect((await h.request('POST', '/api/activities', { token: accessToken, body: activity })).status).toBe(201);
  }
});

const byStatus = (shape: string, status: string): ShapedSelect => ({
  shape,
  build: () => ({ where: eq(leads.status, sql.param(sql.placeholder('status'), leads.status)), orderBy: [leads.id], limit: sql.placeholder('limit') }),
  values: { status, limit: 1000 },
});

const readShaped = async (db: TenantDb, statement: ShapedSelect) => (await db.batch((s) => [s.selectShaped(leads, statement)] as const))[0];

async function expected(tenantId: string, status: string) {
  const rows = await h.raw.query<{ id: string }>('select id from leads where tenant_id = $1 and status = $2 order by id', [tenantId, status]);
  return rows.map((r) => r.id);
}

describe('Scoped.selectShaped', () => {
  it('fills the tenant per call: a statement compiled for one tenant reads only the next one for another', async () => {
    const first = await readShaped(acme, byStatus('tenant-check', 'new'));
    const second = await readShaped(mycompany, byStatus('tenant-check', 'new'));
    expect(first.map((r) => r.id)).toEqual(await expected(acme.tenantId, 'new'));
    expect(second.map((r) => r.id)).toEqual(await expected(mycompany.tenantId, 'new'));
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    expect(second.every((r) => r.tenantId === mycompany.tenantId)).toBe(true);
  });

  it('fills the values per call: the same shape with another value reads that value', async () => {
    for (const status of ['new', 'contacted', 'qualified', 'new']) {
      const rows = await readShaped(acme, byStatus('value-check', status));
      expect(rows.map((r) => r.id)).toEqual(await expected(acme.tenantId, status));
      expect(rows.every((r) => r.status === status)).toBe(true);
    }
  });

  it('compiles a statement that bound a value in place on every call instead of reusing it', async () => {
    const bound = (status: 'new' | 'contacted'): ShapedSelect => ({ shape: 'bound-check', build: () => ({ where: eq(leads.status, status) }), values: {} });
    const first = await readShaped(acme, bound('new'));
    const second = await readShaped(acme, bound('contacted'));
    expect(first.map((r) => r.id).sort()).toEqual(await expected(acme.tenantId, 'new'));
    expect(second.map((r) => r.id).sort()).toEqual(await expected(acme.tenantId, 'contacted'));
  });

  it('decodes rows as drizzle select does (dates, numbers, jsonb, nulls)', async () => {
    const shaped = await readShaped(acme, byStatus('decode-check', 'new'));
    const [plain] = await acme.batch((s) => [s.select(leads, { where: eq(leads.status, 'new'), orderBy: [leads.id], limit: 1000 })] as const);
    expect(shaped).toEqual(plain);
    expect(shaped[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('reads rows in the API form when asked: only the shown columns, timestamps as toApi writes them', async () => {
    for (const table of [leads, activities]) {
      const statement: ShapedSelect = {
        shape: 'api-form',
        build: () => ({ orderBy: [table.id], limit: sql.placeholder('limit') }),
        values: { limit: 1000 },
        columns: apiColumnsOf(table),
        isoTimestamps: true,
      };
      const [shaped] = await acme.batch((s) => [s.selectShaped(table, statement)] as const);
      const [plain] = await acme.batch((s) => [s.select(table, { orderBy: [table.id], limit: 1000 })] as const);
      expect(shaped.length).toBeGreaterThan(0);
      expect(shaped).toEqual(plain.map(toApi));
      const first = shaped[0] as Record<string, unknown>;
      expect(first.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Object.keys(first)).not.toContain('tenantId');
    }
  });

  it('keeps a compiled statement per column set and timestamp form: the same shape name does not mix them', async () => {
    const statement = (api: boolean): ShapedSelect => ({
      ...byStatus('form-check', 'new'),
      ...(api ? { columns: apiColumnsOf(leads), isoTimestamps: true } : {}),
    });
    const api = await readShaped(acme, statement(true));
    const rows = await readShaped(acme, statement(false));
    expect((api[0] as Record<string, unknown>).createdAt).toEqual(expect.any(String));
    expect(rows[0]?.createdAt).toBeInstanceOf(Date);
    expect(rows[0]?.tenantId).toBe(acme.tenantId);
  });
});
