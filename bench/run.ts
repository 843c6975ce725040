/**
 * npm run bench [-- --quick] [-- --only name[,name]] [-- --out dir]
 *
 * Loads the scale data set into BENCH_DATABASE_URL (idempotent), starts the
 * Node server as in production and the bare-Hono ceiling beside it, drives
 * both with autocannon, runs pgbench on the same SQL, counts database round
 * trips per endpoint in-process, and measures memory (export/import), bcrypt,
 * the Worker bundle, its startup and its first request. Writes <out>/results.json and, on a full
 * run, the generated part of BENCHMARKS.md. See README "Benchmarks".
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import type { Context } from 'hono';
import { Miniflare } from 'miniflare';
import pg from 'pg';
import { unstable_readConfig } from 'wrangler';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { migratePostgres, openPostgres } from '../src/db/postgres.ts';
import { createQueryLog } from '../src/db/query-log.ts';
import { DEMO_PASSWORD, demoEmail } from '../src/db/seed.ts';
import { createLogger } from '../src/lib/logger.ts';
import { jsHasher } from '../src/lib/passwords-js.ts';
import { nativeHasher } from '../src/lib/passwords-native.ts';
import { memoryRateLimitStore } from '../src/lib/rate-limit.ts';
import { type Results, renderMarkdown, targetsOf } from './report.ts';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench') },
  },
});
const QUICK = args.quick as boolean;
const only = args.only ? new Set(args.only.split(',')) : null;
const wants = (section: string) => !only || only.has(section);

const plan = QUICK
  ? { tenants: 3, leadsPerTenant: 200, large: 3_000, duration: 1, warmup: 0.5, connections: [1, 8], deepPages: 20, importRows: 500, bcryptSeconds: 0.5 }
  : {
      tenants: 1_000,
      leadsPerTenant: 1_000,
      large: 100_000,
      duration: 8,
      warmup: 3,
      connections: [1, 8, 32],
      deepPages: 400,
      importRows: 10_000,
      bcryptSeconds: 3,
    };

const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/crm_bench';
const PGBENCH = ['/usr/lib/postgresql/15/bin/pgbench', '/usr/bin/pgbench'].find((p) => existsSync(p));
const SECRETS = { JWT_SECRET: 'bench-jwt-secret-that-is-long-enough-0123456789', PLATFORM_ADMIN_KEY: 'bench-platform-key-that-is-long-enough-0123' };
const HUGE = '100000000';
/** Production settings, rate limits raised out of the way, webhooks delivered elsewhere (no background polling in the measurement). */
const SERVER_ENV = {
  NODE_ENV: 'production',
  ...SECRETS,
  LOG_LEVEL: 'warn',
  BCRYPT_COST: '10',
  WEBHOOK_WORKER: 'off',
  RATE_LIMIT_IP_PER_MINUTE: HUGE,
  RATE_LIMIT_USER_PER_MINUTE: HUGE,
  RATE_LIMIT_API_KEY_PER_MINUTE: HUGE,
  RATE_LIMIT_TENANT_FREE_PER_MINUTE: HUGE,
  RATE_LIMIT_TENANT_PRO_PER_MINUTE: HUGE,
  RATE_LIMIT_TENANT_ENTERPRISE_PER_MINUTE: HUGE,
  RATE_LIMIT_LOGIN_PER_EMAIL: HUGE,
  RATE_LIMIT_LOGIN_PER_IP: HUGE,
};

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Resident set size of a process in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? round(Number(match[1]) / 1024, 1) : 0;
}

async function ensureDatabase() {
  const url = new URL(BENCH_URL);
  const name = url.pathname.slice(1);
  const adminUrl = new URL(BENCH_URL);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (!rowCount) await admin.query(`create database "${name.replaceAll('"', '')}"`);
  await admin.end();
  await migratePostgres(BENCH_URL);
}

/** The scale data set; the seed is idempotent per tenant, so only a missing part is loaded. */
async function ensureData(owner: pg.Client) {
  const { rows } = await owner.query<{ n: string; large: string }>(
    `select count(*) filter (where slug like 'scale-0%') as n,
            (select count(*) from leads l join tenants t on t.id = l.tenant_id where t.slug = 'scale-large') as large
       from tenants`,
  );
  const present = Number(rows[0]?.n ?? 0);
  const large = Number(rows[0]?.large ?? 0);
  if (present >= plan.tenants && large >= plan.large) {
    log(`data present: ${present} scale tenants, scale-large with ${large} leads`);
    return;
  }
  log(`loading ${plan.tenants} tenants x ${plan.leadsPerTenant} leads + scale-large (${plan.large} leads)...`);
  const started = performance.now();
  await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/db-seed.ts',
      '--tenants',
      String(plan.tenants),
      '--leads-per-tenant',
      String(plan.leadsPerTenant),
      '--large-tenant',
      String(plan.large),
    ],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: BENCH_URL, NODE_ENV: 'development' }, maxBuffer: 64 * 1024 * 1024 },
  );
  await owner.query('analyze');
  log(`loaded in ${round((performance.now() - started) / 1000, 1)} s`);
}

async function startProcess(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      if (i > 300) throw new Error(`${script} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  return { child, url, stop };
}

interface Scenario {
  name: string;
  method?: string;
  path: string;
  token: string;
  body?: unknown;
  /** The ceiling this one is compared with. */
  ceiling?: boolean;
  /** Consecutive scenarios of one group are compared with each other: they alternate at each connection count. */
  group?: string;
}

async function http(url: string, s: Scenario) {
  const res = await fetch(`${url}${s.path}`, {
    method: s.method ?? 'GET',
    headers: { ...(s.token && { authorization: `Bearer ${s.token}` }), 'content-type': 'application/json' },
    body: s.body === undefined ? undefined : JSON.stringify(s.body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${s.method ?? 'GET'} ${s.path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text || 'null');
}

async function load(url: string, s: Scenario, connections: number, duration: number) {
  const result = await autocannon({
    url: `${url}${s.path}`,
    method: s.method ?? 'GET',
    headers: { ...(s.token && { authorization: `Bearer ${s.token}` }), 'content-type': 'application/json' },
    body: s.body === undefined ? undefined : JSON.stringify(s.body),
    connections,
    duration,
    timeout: 30,
  });
  return {
    reqPerSec: round(result['2xx'] / result.duration, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function main() {
  const started = performance.now();
  const outDir = args.out as string;
  mkdirSync(outDir, { recursive: true });
  const resultsFile = join(outDir, 'results.json');
  const previous: Partial<Results> = only && existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
  const results: Results = {
    meta: {
      date: new Date().toISOString(),
      quick: QUICK,
      node: process.version,
      cpus: cpus().length,
      durationSeconds: plan.duration,
      connections: plan.connections,
      data: { tenants: plan.tenants, leadsPerTenant: plan.leadsPerTenant, largeTenantLeads: plan.large },
    },
    load: previous.load ?? [],
    ceiling: previous.ceiling ?? [],
    pgbench: previous.pgbench ?? [],
    roundTrips: previous.roundTrips ?? {},
    memory: previous.memory ?? {},
    bcrypt: previous.bcrypt ?? null,
    worker: previous.worker ?? null,
    targets: [],
  };

  if (['roundtrips', 'ceiling', 'pgbench', 'load', 'memory'].some(wants)) await serverRuns(results);
  if (wants('bcrypt')) results.bcrypt = await bcryptRuns();
  if (wants('worker')) results.worker = await workerRuns();

  results.targets = targetsOf(results);
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${resultsFile} in ${round((performance.now() - started) / 1000, 1)} s`);
  if (!QUICK && outDir === join(ROOT, 'bench')) {
    const file = join(ROOT, 'BENCHMARKS.md');
    writeFileSync(file, renderMarkdown(existsSync(file) ? readFileSync(file, 'utf8') : '', results));
    // Biome (npm run lint) checks markdown too: align the generated tables as it would.
    await run(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', file]);
    log(`updated ${file}`);
  }
}

/** Everything measured against the database and the running server. */
async function serverRuns(results: Results) {
  await ensureDatabase();
  const owner = new pg.Client({ connectionString: BENCH_URL });
  await owner.connect();
  await ensureData(owner);

  const server = await startProcess('src/node.ts', { ...SERVER_ENV, DATABASE_URL: BENCH_URL });
  const pid = server.child.pid as number;
  try {
    const tenant = 'scale-00001';
    const login = (slug: string) =>
      http(server.url, {
        name: 'login',
        method: 'POST',
        path: '/api/auth/login',
        token: '',
        body: { email: demoEmail(slug, 'tenant_admin'), password: DEMO_PASSWORD, tenant: slug },
      });
    const admin = (await login(tenant)).data;
    const token: string = admin.tokens.accessToken;
    const tenantId: string = admin.tenant.id;
    const largeToken: string = (await login('scale-large')).data.tokens.accessToken;
    const key: string = (
      await http(server.url, { name: 'key', method: 'POST', path: '/api/api-keys', token, body: { name: `bench ${Date.now()}`, scopes: ['leads:read'] } })
    ).data.secret;
    const { rows: withActivities } = await owner.query<{ id: string }>(
      `select related_id as id from activities where tenant_id = $1 and related_type = 'lead' group by related_id order by count(*) desc limit 1`,
      [tenantId],
    );
    const leadId = withActivities[0]?.id ?? (await http(server.url, { name: 'first', path: '/api/leads?limit=1', token })).data[0].id;
    // The deep page: 400 cursors into the large tenant (newest first), followed once here.
    let cursor = '';
    for (let i = 0; i < plan.deepPages; i++) {
      const page = await http(server.url, {
        name: 'deep',
        path: `/api/leads?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        token: largeToken,
      });
      if (!page.pagination.nextCursor) break;
      cursor = page.pagination.nextCursor;
    }

    const scenarios: Scenario[] = [
      { name: 'list', path: '/api/leads?limit=25', token, ceiling: true },
      { name: 'list_status', path: '/api/leads?limit=25&status=qualified', token },
      { name: 'list_search', path: '/api/leads?limit=25&q=lovelace', token },
      { name: 'page_one_large', path: '/api/leads?limit=25', token: largeToken, group: 'depth' },
      { name: 'deep_page', path: `/api/leads?limit=25&cursor=${encodeURIComponent(cursor)}`, token: largeToken, group: 'depth' },
      { name: 'get_with_activities', path: `/api/leads/${leadId}`, token },
      { name: 'api_key_list', path: '/api/leads?limit=25', token: key },
      { name: 'create', method: 'POST', path: '/api/leads', token, body: { firstName: 'Bench', lastName: 'Create', source: 'bench' } },
      { name: 'login', method: 'POST', path: '/api/auth/login', token: '', body: { email: demoEmail(tenant, 'read_only'), password: DEMO_PASSWORD, tenant } },
    ];
    for (const report of ['pipeline', 'funnel', 'activity']) {
      const res = await fetch(`${server.url}/api/reports/${report}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.ok) scenarios.push({ name: `report_${report}`, path: `/api/reports/${report}`, token });
      else log(`/api/reports/${report}: ${res.status}, not measured`);
    }

    // Round trips: each request once through an in-process app on the same database (credentials warm, as under load).
    const queryLog = createQueryLog();
    let trips = 0;
    const counted = openPostgres({ url: BENCH_URL, max: 4, logger: queryLog.logger, onRoundTrip: () => void trips++ });
    const config = loadConfig({ ...SERVER_ENV, DATABASE_URL: BENCH_URL });
    const inProcess = createApp({
      config,
      db: counted.database,
      hasher: nativeHasher,
      rateLimits: memoryRateLimitStore(),
      notifier: { sendEmail: async () => {} },
      logger: createLogger('silent'),
      peerIp: (_c: Context) => '127.0.0.1',
    });
    const send = async (s: Scenario) =>
      await inProcess.request(`http://localhost${s.path}`, {
        method: s.method ?? 'GET',
        headers: { ...(s.token && { authorization: `Bearer ${s.token}` }), 'content-type': 'application/json' },
        body: s.body === undefined ? undefined : JSON.stringify(s.body),
      });
    let listStatement: { text: string; params: unknown[] } | null = null;
    if (wants('roundtrips') || wants('ceiling')) {
      for (const s of scenarios) {
        await send(s);
        const before = trips;
        const { result, statements, params } = await queryLog.capture(() => send(s));
        if (result.status >= 300) throw new Error(`${s.name}: ${result.status}`);
        results.roundTrips[s.name] = { roundTrips: trips - before, statements: statements.length };
        if (s.ceiling && statements[0]) listStatement = { text: statements[0], params: params[0] ?? [] };
      }
      log(`round trips: ${JSON.stringify(results.roundTrips)}`);
    }
    await counted.database.close();

    let ceiling: Awaited<ReturnType<typeof startProcess>> | null = null;
    if (listStatement && wants('ceiling')) {
      ceiling = await startProcess('bench/ceiling.ts', { BENCH_DATABASE_URL: BENCH_URL, CEILING_QUERY: JSON.stringify({ ...listStatement, tenantId }) });
    }
    const ceilingScenario: Scenario = { name: 'ceiling', path: '/ceiling', token: '' };
    /** One ceiling load; with the load section, run right before the list load it is compared with, so both see the same machine. */
    const measureCeiling = async (connections: number) => {
      if (!ceiling) return undefined;
      const run = { connections, ...(await load(ceiling.url, ceilingScenario, connections, plan.duration)) };
      results.ceiling.push(run);
      log(`ceiling x${connections}: ${JSON.stringify(run)}`);
      return run;
    };
    try {
      if (ceiling) {
        results.ceiling = [];
        await load(ceiling.url, ceilingScenario, 8, plan.warmup);
        if (!wants('load')) for (const connections of plan.connections) await measureCeiling(connections);
      }
      if (listStatement && PGBENCH && wants('pgbench')) results.pgbench = await pgbenchRuns(listStatement, tenantId);

      if (wants('load')) {
        results.load = [];
        // A group's scenarios alternate at each connection count (as the ceiling precedes the list), so the
        // machine's drift between loads minutes apart does not decide the comparison.
        const batches: Scenario[][] = [];
        for (const s of scenarios) {
          const last = batches.at(-1);
          if (s.group && last?.[0]?.group === s.group) last.push(s);
          else batches.push([s]);
        }
        for (const batch of batches) {
          for (const s of batch) await load(server.url, s, 8, plan.warmup);
          for (const connections of plan.connections) {
            for (const s of batch) {
              const ceilingRun = s.ceiling ? await measureCeiling(connections) : undefined;
              const rssBeforeMb = rssMb(pid);
              const r = await load(server.url, s, connections, plan.duration);
              results.load.push({
                name: s.name,
                connections,
                ...r,
                rssBeforeMb,
                rssAfterMb: rssMb(pid),
                ratioToCeiling: ceilingRun?.reqPerSec ? round(r.reqPerSec / ceilingRun.reqPerSec) : null,
              });
              log(`${s.name} x${connections}: ${JSON.stringify(results.load.at(-1))}`);
            }
          }
        }
        await owner.query(`delete from leads where tenant_id = $1 and first_name = 'Bench' and last_name = 'Create'`, [tenantId]);
        // The next run starts from the same table: no dead rows from the creates, fresh statistics.
        await owner.query('vacuum (analyze) leads');
      }
    } finally {
      await ceiling?.stop();
    }

    if (wants('memory')) results.memory = await memoryRuns(server.url, pid, largeToken, owner);
  } finally {
    await server.stop();
    await owner.end();
  }
}

/** pgbench on the captured list statement in the same pipelined, scoped transaction: the database's own limit. */
async function pgbenchRuns(statement: { text: string; params: unknown[] }, tenantId: string) {
  const literal = (v: unknown) => `'${String(v instanceof Date ? v.toISOString() : v).replaceAll("'", "''")}'`;
  const select = statement.text.replace(/\$(\d+)/g, (_, n) => literal(statement.params[Number(n) - 1]));
  const dir = mkdtempSync(join(tmpdir(), 'crm-pgbench-'));
  const script = join(dir, 'list.sql');
  writeFileSync(
    script,
    [
      '\\startpipeline',
      'begin;',
      `select set_config('role', 'crm_app', true), set_config('app.tenant_id', ${literal(tenantId)}, true);`,
      `${select};`,
      'commit;',
      '\\endpipeline',
      '',
    ].join('\n'),
  );
  const out: Results['pgbench'] = [];
  try {
    for (const connections of plan.connections) {
      const { stdout } = await run(PGBENCH as string, [
        '-n',
        '-M',
        'extended',
        '-c',
        String(connections),
        '-j',
        String(Math.min(connections, 2)),
        '-T',
        String(Math.max(1, plan.duration)),
        '-f',
        script,
        BENCH_URL,
      ]);
      const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? 0);
      const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1] ?? 0);
      out.push({ connections, tps: round(tps, 1), latencyMs });
      log(`pgbench x${connections}: ${tps} tps`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** CSV export of the large tenant (time, peak RSS growth of the server while streaming) and a JSON import (time). */
async function memoryRuns(url: string, pid: number, largeToken: string, owner: pg.Client): Promise<Results['memory']> {
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 10);
  const t0 = performance.now();
  const res = await fetch(`${url}/api/leads/export`, { headers: { authorization: `Bearer ${largeToken}` } });
  let lines = 0;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const byte of value) if (byte === 10) lines++;
  }
  const exportSeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  if (res.status !== 200) throw new Error(`export: ${res.status}`);
  log(`export: ${lines - 1} rows in ${round(exportSeconds)} s, RSS ${before} -> peak ${peak} MB`);

  const tenant = 'scale-00002';
  const session = await http(url, {
    name: 'login',
    method: 'POST',
    path: '/api/auth/login',
    token: '',
    body: { email: demoEmail(tenant, 'tenant_admin'), password: DEMO_PASSWORD, tenant },
  });
  const tenantId: string = session.data.tenant.id;
  const cleanup = () => owner.query(`delete from leads where tenant_id = $1 and email like '%@import.bench.example'`, [tenantId]);
  await cleanup();
  const rows = Array.from({ length: plan.importRows }, (_, i) => ({
    firstName: 'Imported',
    lastName: `Row ${i}`,
    email: `row${i}@import.bench.example`,
    company: 'Bench',
  }));
  const importBefore = rssMb(pid);
  const t1 = performance.now();
  const imported = await http(url, { name: 'import', method: 'POST', path: '/api/leads/import', token: session.data.tokens.accessToken, body: rows });
  const importSeconds = (performance.now() - t1) / 1000;
  const importAfter = rssMb(pid);
  await cleanup();
  log(`import: ${plan.importRows} rows in ${round(importSeconds)} s (${JSON.stringify(imported.data).slice(0, 120)})`);
  return {
    export: { rows: lines - 1, seconds: round(exportSeconds), rssBeforeMb: before, peakRssGrowthMb: round(peak - before, 1) },
    import: { rows: plan.importRows, seconds: round(importSeconds), rssBeforeMb: importBefore, rssAfterMb: importAfter },
  };
}

/** Logins are bcrypt-bound: verifications per second at cost 10, 8 at a time, native (off the event loop) vs bcryptjs. */
async function bcryptRuns(): Promise<Results['bcrypt']> {
  const hash = await nativeHasher.hash(DEMO_PASSWORD, 10);
  const rate = async (hasher: typeof nativeHasher) => {
    let done = 0;
    const until = performance.now() + plan.bcryptSeconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          await hasher.verify(DEMO_PASSWORD, hash);
          done++;
        }
      }),
    );
    return round(done / ((performance.now() - t0) / 1000), 1);
  };
  const native = await rate(nativeHasher);
  const js = await rate(jsHasher);
  log(`bcrypt cost 10: native ${native}/s, bcryptjs ${js}/s`);
  return { cost: 10, nativePerSec: native, bcryptjsPerSec: js, ratio: round(native / js) };
}

/**
 * CPU time of the Worker's startup phase from wrangler's profile: samples
 * outside (idle) times the median sampling interval. Summing the raw deltas
 * instead would count every stretch the process was descheduled on a busy
 * machine as startup work.
 */
function startupCpuMs(profile: { nodes: { id: number; callFrame: { functionName: string } }[]; samples: number[]; timeDeltas: number[] }): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const deltas = profile.timeDeltas.slice(1).sort((a, b) => a - b);
  const interval = deltas[Math.floor(deltas.length / 2)] ?? 0;
  const busy = profile.samples.slice(1).filter((sample) => !idle.has(sample)).length;
  return round((busy * interval) / 1000, 1);
}

/**
 * What the first request of a fresh isolate costs over the next ones: the
 * Worker imports src/app.ts (every route's schemas) then, not at startup.
 * Wall time of GET /health through Miniflare's workerd, which exposes no
 * per-request CPU time: per isolate, the first request minus the median of
 * the next ten; the median of three isolates. No database is reached.
 */
async function firstRequestMs(dir: string): Promise<number> {
  const config = unstable_readConfig({ config: join(ROOT, 'wrangler.toml') });
  const bindings = { ...config.vars, ...SECRETS, DATABASE_URL: 'postgresql://bench@127.0.0.1:9/unused', LOG_LEVEL: 'error' };
  const extra: number[] = [];
  for (let isolate = 0; isolate < 3; isolate++) {
    const mf = new Miniflare({
      modules: true,
      scriptPath: join(dir, 'worker.js'),
      modulesRoot: dir,
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags,
      bindings,
    });
    try {
      await mf.ready;
      const times: number[] = [];
      for (let i = 0; i < 11; i++) {
        const t0 = performance.now();
        const res = await mf.dispatchFetch('http://localhost/health');
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`GET /health: HTTP ${res.status}`);
        times.push(performance.now() - t0);
      }
      extra.push((times[0] as number) - median(times.slice(1)));
    } finally {
      await mf.dispose();
    }
  }
  return round(median(extra), 1);
}

/** The Worker bundle as deployed (minified, gzip), its startup from wrangler and its first request in workerd. */
async function workerRuns(): Promise<Results['worker']> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-worker-'));
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
  try {
    await run(process.execPath, ['--import', 'tsx', 'scripts/docs-assets.ts'], { cwd: ROOT, env });
    await run('npx', ['wrangler', 'deploy', '--dry-run', '--minify', '--outdir', dir], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 });
    const files = readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.mjs'));
    const code = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
    const stripeInBundle = code.includes('api.stripe.com');
    let startupMs: number | null = null;
    let stripeAtStartup: boolean | null = null;
    try {
      const profile = join(dir, 'startup.cpuprofile');
      await run('npx', ['wrangler', 'check', 'startup', '--outfile', profile], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
      const parsed = JSON.parse(readFileSync(profile, 'utf8'));
      startupMs = startupCpuMs(parsed);
      // esbuild names a bundled module's initialiser after its path: a stripe frame means the SDK ran at startup.
      stripeAtStartup = parsed.nodes.some((n: { callFrame: { functionName: string } }) => /stripe/i.test(n.callFrame.functionName));
    } catch (err) {
      log(`wrangler check startup failed: ${(err as Error).message.split('\n')[0]}`);
    }
    let firstRequest: number | null = null;
    try {
      firstRequest = await firstRequestMs(dir);
    } catch (err) {
      log(`first request in Miniflare failed: ${(err as Error).message.split('\n')[0]}`);
    }
    const result = { rawBytes: code.length, gzipBytes: gzipSync(code).length, stripeInBundle, stripeAtStartup, startupMs, firstRequestMs: firstRequest };
    log(`worker: ${JSON.stringify(result)}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
