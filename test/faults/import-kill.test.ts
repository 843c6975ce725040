import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../scratch-db.ts';
import { importRows, registerUnlimitedTenant, type ServerProcess, startServer } from '../server-process.ts';

/**
 * SIGKILL of the Node server while a 10,000-row import is being written (on
 * a scratch server-Postgres database): after a restart the import is either
 * fully present or fully absent, at several points of the import.
 */
let scratch: ScratchDatabase;
let db: pg.Client;
const running: ServerProcess[] = [];
beforeAll(async () => {
  const setup = await createScratchDatabase('crm_import_kill');
  if ('skip' in setup) throw new Error(setup.skip);
  scratch = setup;
  db = new pg.Client({ connectionString: scratch.url });
  await db.connect();
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  await db?.end();
  await scratch?.drop();
});

const boot = async () => {
  const s = await startServer({ DATABASE_URL: scratch.url, LOG_LEVEL: 'warn' });
  running.push(s);
  return s;
};
const count = async (tag: string) => (await db.query<{ n: number }>(`select count(*)::int as n from leads where email like $1`, [`${tag}-%`])).rows[0]?.n ?? -1;

describe('SIGKILL during a 10,000-row import', () => {
  it.each([
    ['as its first insert runs', 0],
    ['a moment into the writes', 150],
    ['later into the writes', 400],
  ])('killed %s: after restart the import is all there or not at all', async (_when, delayMs) => {
    const tag = `kill${delayMs}`;
    const s = await boot();
    const { token } = await registerUnlimitedTenant(s.base, `kill-co-${delayMs}`);
    const request = fetch(`${s.base}/api/leads/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: importRows(10_000, tag),
    }).then(
      (r) => r.status,
      () => 'connection lost',
    );
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { rows } = await db.query(`select 1 from pg_stat_activity where datname = current_database() and query ilike 'insert into "leads"%'`);
      if (rows.length) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, delayMs));
    s.kill('SIGKILL');
    expect(await s.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const outcome = await request;

    // Postgres notices the dead connection and rolls its transaction back; a restarted server sees a consistent state.
    const again = await boot();
    expect((await fetch(`${again.base}/ready`)).status).toBe(200);
    const n = await count(tag);
    expect([0, 10_000]).toContain(n);
    if (outcome === 200) expect(n).toBe(10_000);
    await again.stop();
  });
});
