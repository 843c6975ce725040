import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../e2e/dev-server.ts';
import { registerUnlimitedTenant, type ServerProcess, startServer } from '../server-process.ts';

/**
 * The database goes away under a running Node server: a throwaway Postgres
 * cluster of its own (initdb + pg_ctl on a spare port, as the postgres user)
 * is stopped with `-m immediate` while requests are in flight, and started
 * again. The server is never restarted.
 */
const PG_BIN = '/usr/lib/postgresql/15/bin';
const exec = promisify(execFile);
// Asynchronous: a blocked event loop would let the server's keep-alive timeouts race this process's sockets.
const asPostgres = (cmd: string, args: string[]) => exec('runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args], { timeout: 60_000 });

let dir = '';
let port = 0;
let server: ServerProcess | undefined;
const pgCtl = (action: 'start' | 'stop') =>
  action === 'start'
    ? asPostgres('pg_ctl', ['-D', dir, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', join(dir, 'log'), '-w', 'start'])
    : asPostgres('pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crm-pg-outage-'));
  chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  await asPostgres('initdb', ['-D', dir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  port = await freePort();
  await pgCtl('start');
  server = await startServer({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`, LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '5' });
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await pgCtl('stop').catch(() => {
    /* already stopped */
  });
  rmSync(dir, { recursive: true, force: true });
});

const raw = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
};

const expect503 = async (res: Response) => {
  const text = await res.text();
  expect(res.status, text).toBe(503);
  expect(JSON.parse(text)).toMatchObject({ error: 'service_unavailable', requestId: expect.any(String), timestamp: expect.any(String) });
  expect(text).not.toMatch(/ECONN|terminat|select|insert|\.ts:|at /i);
};

describe('Postgres stops mid-flight and comes back (Node server is not restarted)', () => {
  it('affected requests are 503 JSON, nothing is half-applied, /ready follows the outage and the pool recovers', async () => {
    const s = server!;
    const { token } = await registerUnlimitedTenant(s.base, 'outage-co');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${s.base}${path}`, { method, headers, body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body) });
    const leads = await Promise.all(Array.from({ length: 3 }, (_, i) => call('POST', '/api/leads', { lastName: `Convert me ${i}` }).then((r) => r.json())));
    const leadIds = leads.map((l) => (l as { data: { id: string } }).data.id);

    // In flight when the cluster dies: a 5,000-row import, lead conversions (contact + account + deal) and a stream of reads/writes.
    const importRows = JSON.stringify(Array.from({ length: 5_000 }, (_, i) => ({ lastName: `Bulk ${i}`, email: `bulk-${i}@outage.example` })));
    const inFlightImport = call('POST', '/api/leads/import', importRows);
    const stream: Promise<Response>[] = [];
    let streaming = true;
    const pump = (async () => {
      for (let i = 0; streaming; i++) {
        stream.push(i % 2 ? call('GET', '/api/leads?limit=5') : call('POST', '/api/contacts', { lastName: `Stream ${i}` }));
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    for (let i = 0; i < 50; i++) {
      if ((await raw(`select 1 from pg_stat_activity where query ilike 'insert into "leads"%'`)).length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const conversions = leadIds.map((id, i) =>
      call('POST', `/api/leads/${id}/convert`, { account: { name: `Acct ${i}` }, deal: { name: `Deal ${i}`, amount: 100, currency: 'EUR' } }),
    );
    await pgCtl('stop');
    await new Promise((r) => setTimeout(r, 300));
    streaming = false;
    await pump;

    // Every answer is either a success or the spec's 503: never a 500, a hang or a leaked error.
    const answers = [await inFlightImport, ...(await Promise.all(conversions)), ...(await Promise.all(stream))];
    let failures = 0;
    for (const res of answers) {
      if (res.status === 503) {
        failures++;
        await expect503(res);
      } else expect([200, 201], await res.text()).toContain(res.status);
    }
    expect(failures).toBeGreaterThan(0);

    // During the outage.
    await expect503(await fetch(`${s.base}/ready`));
    await expect503(await call('GET', '/api/leads'));
    await expect503(await call('POST', '/api/leads/import', [{ lastName: 'During', email: 'during@outage.example' }]));

    await pgCtl('start');
    // Recovery without restarting the app: /ready turns 200 by itself, then everything works.
    const deadline = Date.now() + 30_000;
    let ready = 0;
    while (Date.now() < deadline && ready !== 200) {
      ready = (await fetch(`${s.base}/ready`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ready).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? call('GET', '/api/leads?limit=5') : call('POST', '/api/leads', { lastName: `After ${i}` }))),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 200 : 201)));

    // All or nothing: the import and each conversion.
    const [bulk] = await raw<{ n: number }>(`select count(*)::int as n from leads where email like 'bulk-%@outage.example'`);
    expect([0, 5_000]).toContain(bulk?.n);
    expect(bulk?.n === 5_000).toBe(answers[0]!.status === 200);
    for (const [i, id] of leadIds.entries()) {
      const [lead] = await raw<{ converted: boolean }>(`select converted_contact_id is not null as converted from leads where id = $1`, [id]);
      const [made] = await raw<{ contacts: number; accounts: number; deals: number }>(
        `select (select count(*) from contacts where last_name = $1)::int as contacts,
                (select count(*) from accounts where name = $2)::int as accounts,
                (select count(*) from deals where name = $3)::int as deals`,
        [`Convert me ${i}`, `Acct ${i}`, `Deal ${i}`],
      );
      const n = lead?.converted ? 1 : 0;
      expect(made).toEqual({ contacts: n, accounts: n, deals: n });
    }
    // The conversions and the import that failed work now.
    for (const id of leadIds) {
      const res = await call('POST', `/api/leads/${id}/convert`, {});
      expect([200, 201, 409]).toContain(res.status);
    }
    expect((await call('POST', '/api/leads/import', importRows)).status).toBe(200);
    const [after] = await raw<{ n: number }>(`select count(*)::int as n from leads where email like 'bulk-%@outage.example'`);
    expect(after?.n).toBe(5_000);
  });
});
