/**
 * `npm run dev:worker`: the Worker in `wrangler dev --local` against the local
 * Postgres through the real Neon driver. Creates the database if missing
 * (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/crm_dev),
 * migrates and seeds it, starts the Neon protocol bridges on free ports, then
 * runs wrangler until interrupted. Secrets come from `.dev.vars` when present,
 * otherwise throwaway ones are generated for this run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { migratePostgres, openPostgres } from '../src/db/postgres.ts';
import { roles } from '../src/db/schema/index.ts';
import { DEMO_PASSWORD, DEMO_TENANTS, demoEmail, seedDemo } from '../src/db/seed.ts';
import { randomToken } from '../src/lib/crypto.ts';
import { nativeHasher } from '../src/lib/passwords-native.ts';
import { startHttpBridge } from './neon-bridge/http-bridge.ts';
import { startWsBridge } from './neon-bridge/ws-bridge.ts';

const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/crm_dev';
const port = process.env.PORT ?? '8787';

async function ensureDatabase(url: string) {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await admin.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
}

await ensureDatabase(databaseUrl);
await migratePostgres(databaseUrl);
const { database } = openPostgres({ url: databaseUrl, max: 2 });
await seedDemo(database, nativeHasher);
await database.close();

const http = await startHttpBridge();
const ws = await startWsBridge();

const vars: Record<string, string> = {
  NODE_ENV: 'development',
  DATABASE_URL: databaseUrl,
  NEON_HTTP_ENDPOINT: http.endpoint,
  NEON_WS_PROXY: ws.proxy,
};
if (!existsSync('.dev.vars')) {
  console.log('No .dev.vars: using throwaway JWT_SECRET and PLATFORM_ADMIN_KEY for this run (copy .dev.vars.example to keep them).');
  vars.JWT_SECRET = process.env.JWT_SECRET ?? randomToken(32);
  vars.PLATFORM_ADMIN_KEY = process.env.PLATFORM_ADMIN_KEY ?? randomToken(32);
}

// Own process group, so stopping it also stops workerd; no stdin, so no
// hotkeys reading a terminal it does not own.
const wrangler = spawn(
  'node_modules/.bin/wrangler',
  ['dev', '--local', '--ip', '127.0.0.1', '--port', port, ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
  { stdio: ['ignore', 'inherit', 'inherit'], detached: true, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } },
);
console.log(`Worker on http://127.0.0.1:${port} (Neon bridges: ${http.endpoint}, ws://${ws.proxy})`);
console.log(`Demo logins (password "${DEMO_PASSWORD}", send X-Tenant-ID or "tenant"):`);
for (const t of DEMO_TENANTS) console.log(`  ${t.slug}: ${roles.map((r) => demoEmail(t.slug, r)).join(', ')}`);

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-wrangler.pid!, 'SIGTERM');
  } catch {
    // already gone
  }
  await Promise.all([http.close(), ws.close()]);
  process.exit(code);
}
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));
wrangler.once('exit', (code) => stop(code ?? 0));
