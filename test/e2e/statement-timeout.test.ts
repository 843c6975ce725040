import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../scratch-db.ts';
import { registerUnlimitedTenant, type ServerProcess, startServer } from '../server-process.ts';

/**
 * DATABASE_STATEMENT_TIMEOUT_MS on a spawned Node server: a real request whose
 * statement cannot finish (its UPDATE waits on a row another session has
 * locked) is cancelled by Postgres after the configured time and answers 503
 * JSON promptly; the connection goes back to the pool and works afterwards.
 */
const TIMEOUT_MS = 1_500;
let scratch: ScratchDatabase | undefined;
let server: ServerProcess | undefined;
const setup = await createScratchDatabase('crm_stmt_timeout');
const skip = 'skip' in setup ? setup.skip : undefined;
if (skip) console.warn(`[statement-timeout] skipped: ${skip}`);

beforeAll(async () => {
  if ('skip' in setup) return;
  scratch = setup;
  // A pool of one: the request after the timeout must reuse the very connection that was cancelled.
  server = await startServer({ DATABASE_URL: scratch.url, DATABASE_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS), DATABASE_POOL_SIZE: '1', LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await server?.stop();
  await scratch?.drop();
});

describe.skipIf(skip)('statement timeout (Node, server Postgres)', () => {
  it('cuts off a statement stuck on a lock with 503 JSON after the timeout, then serves normally', async () => {
    const s = server!;
    const { token } = await registerUnlimitedTenant(s.base, 'slow-co');
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const created = await fetch(`${s.base}/api/leads`, { method: 'POST', headers: auth, body: JSON.stringify({ lastName: 'Locked' }) });
    const { data: lead } = (await created.json()) as { data: { id: string } };

    const locker = new pg.Client({ connectionString: scratch!.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query('select 1 from leads where id = $1 for update', [lead.id]);
    try {
      const started = Date.now();
      const res = await fetch(`${s.base}/api/leads/${lead.id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ score: 5 }) });
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const text = await res.text();
      const body = JSON.parse(text);
      expect(body).toMatchObject({ error: 'service_unavailable', requestId: expect.any(String), timestamp: expect.any(String) });
      expect(text).not.toMatch(/statement timeout|canceling|select|update|leads|\.ts:/i);
      // Not before the timeout, and not much later: nothing waits for the lock to go away.
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 5_000);
    } finally {
      await locker.query('rollback');
      await locker.end();
    }

    const after = await fetch(`${s.base}/api/leads/${lead.id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ score: 7 }) });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { data: { score: number } }).data.score).toBe(7);
    expect((await fetch(`${s.base}/ready`)).status).toBe(200);
  });
});
