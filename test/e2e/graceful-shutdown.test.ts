import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../scratch-db.ts';
import { registerUnlimitedTenant, type ServerProcess, startServer } from '../server-process.ts';

/**
 * SIGTERM on the Node entry, spawned against a scratch server-Postgres
 * database: slow requests already running (10,000-row imports) complete
 * with 200, new connections are refused meanwhile, the pool is closed and the
 * process exits 0.
 */
let scratch: ScratchDatabase | undefined;
let server: ServerProcess | undefined;
const setup = await createScratchDatabase('crm_shutdown');
const skip = 'skip' in setup ? setup.skip : undefined;
if (skip) console.warn(`[graceful-shutdown] skipped: ${skip}`);

beforeAll(async () => {
  if ('skip' in setup) return;
  scratch = setup;
  server = await startServer({ DATABASE_URL: scratch.url, LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await server?.stop();
  await scratch?.drop();
});

const connections = async (url: string) => {
  const client = new pg.Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
  await client.connect();
  try {
    const name = new URL(url).pathname.slice(1);
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
};

describe.skipIf(skip)('graceful shutdown (Node, server Postgres)', () => {
  it('finishes the in-flight imports, refuses new connections, closes the pool and exits 0', async () => {
    const s = server!;
    const { token } = await registerUnlimitedTenant(s.base, 'shutdown-co');
    expect(await connections(scratch!.url)).toBeGreaterThan(0);

    // Three imports (leads, contacts, accounts) of 10,000 rows each: several seconds of work in flight.
    const post = (resource: string, body: string) =>
      fetch(`${s.base}/api/${resource}/import`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    const bodyOf = (tag: string, field: 'email' | 'domain') =>
      JSON.stringify(
        Array.from({ length: 10_000 }, (_, i) =>
          field === 'email' ? { lastName: `Row ${i}`, email: `${tag}-${i}@import.example` } : { name: `Row ${i}`, domain: `${tag}-${i}.example` },
        ),
      );
    let settledAt = 0;
    const inFlight = Promise.all([
      post('leads', bodyOf('shutdown', 'email')),
      post('contacts', bodyOf('shutdown', 'email')),
      post('accounts', bodyOf('shutdown', 'domain')),
    ]).finally(() => (settledAt = Date.now()));
    // Wait until an import is at work in the database, then ask the process to stop.
    const admin = new pg.Client({ connectionString: scratch!.url });
    await admin.connect();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows: active } = await admin.query(`select 1 from pg_stat_activity where datname = current_database() and query ilike 'insert into %'`);
      if (active.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await admin.end();
    s.kill('SIGTERM');

    // The listener closes (once the event loop gets to the signal): fresh connections are refused while the imports run.
    const port = Number(new URL(s.base).port);
    let refusedAt = 0;
    while (!refusedAt && Date.now() < deadline) {
      const error = await new Promise<string | null>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(null);
        });
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      if (error === 'ECONNREFUSED') refusedAt = Date.now();
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(refusedAt).toBeGreaterThan(0);

    const responses = await inFlight;
    expect(refusedAt).toBeLessThan(settledAt);
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: { created: number } }).data.created).toBe(10_000);
    }

    const exit = await Promise.race([s.exited, new Promise((r) => setTimeout(r, 20_000, 'still running'))]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await connections(scratch!.url)).toBe(0);
    const check = new pg.Client({ connectionString: scratch!.url });
    await check.connect();
    const { rows } = await check.query<{ n: number }>(
      `select (select count(*) from leads) + (select count(*) from contacts) + (select count(*) from accounts) as n`,
    );
    await check.end();
    expect(Number(rows[0]?.n)).toBe(30_000);
  });
});
