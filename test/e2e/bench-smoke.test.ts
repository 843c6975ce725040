import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import type { Results } from '../../bench/report.ts';
import { createScratchDatabase } from '../scratch-db.ts';

/**
 * `npm run bench -- --quick` end to end against a scratch database on the
 * server Postgres (tiny data, 1 s loads), so the harness keeps working: every
 * section of results.json is present with plausible numbers. The real run
 * (npm run bench) is never part of npm test.
 */
const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'crm-bench-smoke-'));
const setup = await createScratchDatabase('crm_bench_smoke');
if ('skip' in setup) console.warn(`[bench-smoke] skipped: ${setup.skip}`);
afterAll(async () => {
  if (!('skip' in setup)) await setup.drop();
  rmSync(out, { recursive: true, force: true });
});

it.skipIf('skip' in setup)(
  'bench --quick writes every section with sane numbers',
  async () => {
    if ('skip' in setup) return;
    await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
      cwd: root,
      env: { ...process.env, BENCH_DATABASE_URL: setup.url },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 540_000,
    });
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    expect(r.meta.quick).toBe(true);

    const names = new Set(r.load.map((l) => l.name));
    for (const name of ['list', 'list_status', 'list_search', 'deep_page', 'page_one_large', 'get_with_activities', 'api_key_list', 'create', 'login']) {
      expect(names, name).toContain(name);
    }
    for (const l of r.load) {
      expect(l.errors, l.name).toBe(0);
      expect(l.p99, l.name).toBeGreaterThanOrEqual(l.p50);
      expect(l.rssAfterMb, l.name).toBeGreaterThan(10);
    }
    // A 1 s load on a busy CI box may finish no write, login (bcrypt) or report; the indexed reads always complete some.
    for (const l of r.load.filter((x) => ['list', 'list_status', 'deep_page', 'get_with_activities', 'api_key_list'].includes(x.name))) {
      expect(l.reqPerSec, l.name).toBeGreaterThan(0);
    }
    expect(r.load.find((l) => l.name === 'list')?.ratioToCeiling).toBeGreaterThan(0);
    // Page one and the deep page are compared: they alternate at each connection count, not one whole series after the other.
    const depth = r.load.filter((l) => l.name === 'page_one_large' || l.name === 'deep_page').map((l) => `${l.name}@${l.connections}`);
    expect(depth).toEqual(r.meta.connections.flatMap((n) => [`page_one_large@${n}`, `deep_page@${n}`]));
    expect(r.ceiling.length).toBe(r.meta.connections.length);
    expect(r.ceiling.every((c) => c.reqPerSec > 0 && c.errors === 0)).toBe(true);
    expect(r.pgbench.every((p) => p.tps > 0)).toBe(true);

    // The budget this harness reports: one round trip per authenticated read.
    for (const read of ['list', 'list_status', 'list_search', 'deep_page', 'get_with_activities', 'api_key_list']) {
      expect(r.roundTrips[read], read).toEqual({ roundTrips: 1, statements: 1 });
    }
    expect(r.roundTrips.create?.roundTrips).toBeGreaterThan(1);

    expect(r.memory.export?.rows).toBe(r.meta.data.largeTenantLeads);
    expect(r.memory.export?.seconds).toBeGreaterThan(0);
    expect(r.memory.import?.rows).toBeGreaterThan(0);
    expect(r.bcrypt?.nativePerSec).toBeGreaterThan(0);
    expect(r.bcrypt?.bcryptjsPerSec).toBeGreaterThan(0);
    expect(r.worker?.gzipBytes).toBeGreaterThan(50_000);
    expect(r.worker?.gzipBytes).toBeLessThan(r.worker?.rawBytes ?? 0);
    expect(r.targets.length).toBeGreaterThanOrEqual(10);
  },
  600_000,
);
