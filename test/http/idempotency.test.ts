import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let manager: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  manager = await h.login('acme', 'manager');
});

const post = (key: string, body: unknown, session = admin) =>
  h.request('POST', '/api/leads', { token: session.accessToken, body, headers: { 'idempotency-key': key } });
const countLeads = async (lastName: string) => (await h.raw.query('select 1 from leads where last_name = $1', [lastName])).length;

describe('Idempotency-Key', () => {
  it('replays the stored status, body and Location for the same key and body', async () => {
    const first = await post('create-lead-1', { lastName: 'Once' });
    const again = await post('create-lead-1', { lastName: 'Once' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The replay is this request's answer: its own request id, rate-limit state and Vary, not the stored ones.
    expect(again.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(again.headers.get('ratelimit')).toMatch(/^"ip";r=\d+/);
    expect(again.headers.get('vary')).toBe('Origin');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await json(again)).toEqual(await json(first));
    expect(await countLeads('Once')).toBe(1);
  });

  it('answers 422 idempotency_conflict for the same key with another body', async () => {
    await post('create-lead-2', { lastName: 'Twice' });
    const res = await post('create-lead-2', { lastName: 'Different' });
    expect(res.status).toBe(422);
    expect((await json(res)).error).toBe('idempotency_conflict');
    expect(await countLeads('Different')).toBe(0);
  });

  it('scopes keys to the credential: another user may use the same key', async () => {
    await post('shared-key', { lastName: 'ScopeA' });
    const other = await post('shared-key', { lastName: 'ScopeA' }, manager);
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(await countLeads('ScopeA')).toBe(2);
  });

  it('stores nothing for a validation failure, so a corrected retry with the same key works', async () => {
    const bad = await post('fix-and-retry', { lastName: 'Fixed', score: 1000 });
    expect(bad.status).toBe(400);
    expect(await h.raw.query(`select 1 from idempotency_keys where key = 'fix-and-retry'`)).toEqual([]);
    const good = await post('fix-and-retry', { lastName: 'Fixed', score: 10 });
    expect(good.status).toBe(201);
  });

  it('never creates two records for concurrent duplicates', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => post('race-key', { lastName: 'Racer' })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    for (const s of statuses) expect([201, 409]).toContain(s);
    expect(await countLeads('Racer')).toBe(1);
  });

  it('answers 409 while the first request is still running', async () => {
    const scope = `${admin.userId} POST /api/leads`;
    await h.raw.query(
      `insert into idempotency_keys (tenant_id, scope, key, request_hash, expires_at)
       values ($1, $2, 'in-flight', encode(sha256(convert_to($3, 'UTF8')), 'hex'), now() + interval '1 hour')`,
      [admin.tenantId, scope, JSON.stringify({ lastName: 'Running' })],
    );
    const res = await post('in-flight', { lastName: 'Running' });
    expect(res.status).toBe(409);
    expect((await json(res)).error).toBe('conflict');
  });

  it('rejects an over-long key', async () => {
    const res = await post('k'.repeat(256), { lastName: 'Long' });
    expect(res.status).toBe(400);
    expect(await countLeads('Long')).toBe(0);
  });
});
