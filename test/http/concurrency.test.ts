import { beforeAll, describe, expect, it } from 'vitest';
import { etagOf } from '../../src/routes/crm/shared/records.ts';
import { countLeadsAndContacts, fillLeadsAndContacts, registerTenant } from '../billing-tenants.ts';
import { createHarness, type Harness, json, type Session, usingPostgres } from '../harness.ts';

/**
 * Races of 50 parallel requests. On server Postgres they truly overlap (pool
 * of 10 connections, the rest queue); on PGlite they serialise, which must
 * give the same outcome. Smaller races live in idempotency/plan-limits tests.
 */
let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
});

const where = usingPostgres ? 'server Postgres' : 'PGlite';

describe(`50 parallel requests (${where})`, () => {
  it('one Idempotency-Key: exactly one effect; every other answer is a replay of it or 409 while it runs', async () => {
    const body = { lastName: 'Fifty-way race', email: 'fifty@race.example' };
    const results = await Promise.all(
      Array.from({ length: 50 }, () => h.request('POST', '/api/leads', { token: admin.accessToken, body, headers: { 'idempotency-key': 'fifty-way' } })),
    );
    const bodies = await Promise.all(results.map((r) => json(r)));
    const created = results.filter((r) => r.status === 201);
    for (const r of results) expect([201, 409]).toContain(r.status);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // Exactly one original: every other 201 says it is a replay and names the same record.
    expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    const ids = new Set(bodies.filter((b) => b.data).map((b) => b.data.id));
    expect(ids.size).toBe(1);
    for (const b of bodies.filter((b) => !b.data)) expect(b.error).toBe('conflict');
    expect(await h.raw.query(`select id from leads where email = 'fifty@race.example'`)).toEqual([{ id: [...ids][0] }]);
    const audits = await h.raw.query(`select 1 from audit_logs where action = 'lead.created' and resource_id = $1`, [[...ids][0]]);
    expect(audits).toHaveLength(1);
  });

  it('plan limit at limit - 1: exactly one of 50 creates succeeds, 49 are 402, the tenant ends at the limit', async () => {
    const t = await registerTenant(h, 'race-fifty');
    await fillLeadsAndContacts(h, t.tenantId, 60, 39);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => h.request('POST', i % 2 ? '/api/contacts' : '/api/leads', { token: t.token, body: { lastName: `Racer ${i}` } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 402)).toHaveLength(49);
    expect(await countLeadsAndContacts(h, t.tenantId)).toBe(100);
  });
});

describe(`lost updates on PATCH (${where})`, () => {
  const newLead = async (lastName: string) => {
    const res = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { lastName, score: 1 } });
    return { id: (await json(res)).data.id as string, etag: res.headers.get('etag') as string };
  };
  const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    h.request('PATCH', `/api/leads/${id}`, { token: admin.accessToken, body, headers });

  it('two concurrent updates with the same If-Match: exactly one wins, the other is 412 and changes nothing', async () => {
    for (let round = 0; round < 5; round++) {
      const lead = await newLead(`If-Match race ${round}`);
      const [a, b] = await Promise.all([patch(lead.id, { score: 10 }, { 'if-match': lead.etag }), patch(lead.id, { score: 20 }, { 'if-match': lead.etag })]);
      expect([a.status, b.status].sort()).toEqual([200, 412]);
      const loser = a.status === 412 ? a : b;
      expect((await json(loser)).error).toBe('precondition_failed');
      const winner = a.status === 200 ? a : b;
      const [row] = await h.raw.query<{ score: number; version: number }>('select score, version from leads where id = $1', [lead.id]);
      expect(row).toEqual({ score: (await json(winner)).data.score, version: 2 });
      const audits = await h.raw.query(`select 1 from audit_logs where action = 'lead.updated' and resource_id = $1`, [lead.id]);
      expect(audits).toHaveLength(1);
    }
  });

  it('without If-Match: last write wins; both succeed, both are audited, nothing is refused', async () => {
    for (let round = 0; round < 5; round++) {
      const lead = await newLead(`Blind race ${round}`);
      const results = await Promise.all([patch(lead.id, { score: 10, status: 'contacted' }), patch(lead.id, { score: 20 })]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      const bodies = await Promise.all(results.map((r) => json(r)));
      const [row] = await h.raw.query<{ score: number; status: string; version: number }>('select score, status, version from leads where id = $1', [lead.id]);
      // Each update applied in turn on top of the other: version 3, and the later one's fields stand.
      expect(row?.version).toBe(3);
      expect(row?.status).toBe('contacted');
      const last = results.findIndex((r) => r.headers.get('etag') === etagOf({ id: lead.id, version: 3 }));
      expect(last).toBeGreaterThanOrEqual(0);
      expect(row?.score).toBe(bodies[last].data.score);
      const audits = await h.raw.query(`select 1 from audit_logs where action = 'lead.updated' and resource_id = $1`, [lead.id]);
      expect(audits).toHaveLength(2);
    }
  });

  it('two concurrent deletes: one 204, the other 404 (the record is gone), one audit row', async () => {
    const lead = await newLead('Double delete');
    const results = await Promise.all([0, 1].map(() => h.request('DELETE', `/api/leads/${lead.id}`, { token: admin.accessToken })));
    expect(results.map((r) => r.status).sort()).toEqual([204, 404]);
    expect(await h.raw.query(`select 1 from audit_logs where action = 'lead.deleted' and resource_id = $1`, [lead.id])).toHaveLength(1);
  });
});
