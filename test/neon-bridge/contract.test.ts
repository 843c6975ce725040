import { NeonDbError, neon, neonConfig, Pool } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ws from 'ws';
import { type HttpBridge, startHttpBridge } from '../../scripts/neon-bridge/http-bridge.ts';
import { startWsBridge, type WsBridge } from '../../scripts/neon-bridge/ws-bridge.ts';
import { classifyDbError } from '../../src/db/errors.ts';
import { createScratchDatabase } from '../scratch-db.ts';

/**
 * Contract of the local Neon bridges with the pinned driver (package.json):
 * the HTTP protocol is the driver's internal one, so a driver upgrade that
 * changes it must fail here, not in the Worker.
 */
const db = await createScratchDatabase('crm_nb');
if ('skip' in db) console.warn(`[neon-bridge] skipping: ${db.skip}`);

describe.skipIf('skip' in db)('Neon bridges with @neondatabase/serverless', () => {
  const url = 'url' in db ? db.url : '';
  let http: HttpBridge;
  let wsBridge: WsBridge;

  beforeAll(async () => {
    [http, wsBridge] = await Promise.all([startHttpBridge(), startWsBridge()]);
    neonConfig.fetchEndpoint = () => http.endpoint;
    // Node 20 has no global WebSocket; workerd does.
    neonConfig.webSocketConstructor = ws;
    neonConfig.wsProxy = (host, port) => `${wsBridge.proxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
    await neon(url)`create table items (id int primary key, name text not null, tags text[], meta jsonb, at timestamptz)`;
  });

  afterAll(async () => {
    await Promise.all([http?.close(), wsBridge?.close()]);
    if ('drop' in db) await db.drop();
  });

  it('runs a parameterised query and returns text the driver parses by type', async () => {
    const sql = neon(url);
    const [row] = await sql`select ${41}::int + 1 as n, ${'x'}::text as s, ${'{"a":[1]}'}::jsonb as j,
      array['a','b'] as arr, '2026-01-02 03:04:05.678+00'::timestamptz as t, null::text as z, 10::bigint as big`;
    expect(row).toEqual({ n: 42, s: 'x', j: { a: [1] }, arr: ['a', 'b'], t: new Date('2026-01-02T03:04:05.678Z'), z: null, big: '10' });
  });

  it('returns fields, command and rowCount in full-results mode', async () => {
    const sql = neon(url, { fullResults: true });
    const r = await sql.query('insert into items (id, name) values ($1, $2), ($3, $4) returning id', [1, 'one', 2, 'two']);
    expect(r).toMatchObject({ command: 'INSERT', rowCount: 2, rows: [{ id: 1 }, { id: 2 }] });
    expect(r.fields).toEqual([expect.objectContaining({ name: 'id', dataTypeID: 23 })]);
  });

  it('runs a batch as one transaction with the requested isolation', async () => {
    const sql = neon(url);
    const [, inserted, iso] = await sql.transaction(
      [sql`insert into items (id, name) values (3, 'three')`, sql`select count(*)::int as c from items`, sql`show transaction_isolation`],
      { isolationLevel: 'Serializable' },
    );
    expect(inserted).toEqual([{ c: 3 }]);
    expect(iso).toEqual([{ transaction_isolation: 'serializable' }]);
    const [ro] = await sql.transaction([sql`show transaction_read_only`], { readOnly: true });
    expect(ro).toEqual([{ transaction_read_only: 'on' }]);
  });

  it('rolls a failed batch back and reports the Postgres error fields', async () => {
    const sql = neon(url);
    const err = await sql
      .transaction([sql`insert into items (id, name) values (4, 'four')`, sql`insert into items (id, name) values (1, 'dup')`])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeonDbError);
    expect(err).toMatchObject({ code: '23505', severity: 'ERROR', constraint: 'items_pkey', table: 'items', detail: expect.stringContaining('(id)=(1)') });
    expect(classifyDbError(err)).toBe('unique_violation');
    expect(await sql`select id from items where id = 4`).toEqual([]);
  });

  it('refuses several statements in one query, as Neon does', async () => {
    const err = await neon(url)
      .query('select 1; select 2')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '42601' });
  });

  it('resets each connection before reuse: no setting leaks into the next request', async () => {
    const sql = neon(url);
    const [first] = await sql.transaction([sql`select pg_backend_pid() as pid, set_config('timezone', 'Asia/Tokyo', false)`]);
    const second = await sql`select pg_backend_pid() as pid, current_setting('timezone') as tz`;
    // Same pooled connection (so the reset is what is being tested), setting back to UTC.
    expect(second).toEqual([{ pid: first?.[0]?.pid, tz: 'UTC' }]);
  });

  it('reports an unreachable database so the app answers 503', async () => {
    const err = await neon('postgresql://postgres@127.0.0.1:1/nowhere')`select 1`.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(classifyDbError(err)).toBe('unavailable');
  });

  it('carries interactive transactions over the WebSocket bridge', async () => {
    const pool = new Pool({ connectionString: url, max: 1 });
    pool.on('error', () => {});
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ n: number }>('select count(*)::int as n from items');
      await client.query('insert into items (id, name) values ($1, $2)', [100 + rows[0]!.n, 'interactive']);
      await client.query('rollback');
    } finally {
      client.release();
      await pool.end();
    }
    expect(await neon(url)`select id from items where name = 'interactive'`).toEqual([]);
  });
});
