import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'hono';
import { createApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import type { Database } from './db/client.ts';
import { roles } from './db/schema/index.ts';
import { DEMO_CRM_SIZE, DEMO_PASSWORD, DEMO_TENANTS, demoEmail, seedDemo } from './db/seed.ts';
import { startWebhookWorker } from './jobs/webhook-delivery.ts';
import { randomToken } from './lib/crypto.ts';
import { nodeResolveHost } from './lib/dns-node.ts';
import { readScalarBundle } from './lib/docs-bundle-node.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { notifierFromConfig } from './lib/notifier.ts';
import { nativeHasher } from './lib/passwords-native.ts';
import { memoryRateLimitStore, type RateLimitStore } from './lib/rate-limit.ts';
import { upstashRateLimitStore } from './lib/rate-limit-upstash.ts';

/**
 * Shared set-up of the Node and Deno servers: configuration (with generated
 * development secrets), database (PGlite by default, DATABASE_URL otherwise),
 * migrations and demo seed in development.
 */
export interface ServerOptions {
  env: Record<string, string | undefined>;
  peerIp: (c: Context) => string | undefined;
}

const DEV_SECRETS = ['JWT_SECRET', 'PLATFORM_ADMIN_KEY'] as const;

/** In development, secrets that are not set are generated once and kept beside the embedded data. */
export function withDevSecrets(env: Record<string, string | undefined>, dataDir: string) {
  if ((env.NODE_ENV ?? 'development') === 'production') return env;
  const file = join(dataDir, 'secrets.json');
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let changed = false;
  for (const name of DEV_SECRETS) {
    if (!stored[name]) {
      stored[name] = randomToken(32);
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return { ...stored, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) };
}

async function openDatabase(config: Config, env: Record<string, string | undefined>, dataDir: string): Promise<Database> {
  if (env.DATABASE_URL) {
    const { openPostgres, migratePostgres } = await import('./db/postgres.ts');
    if (config.NODE_ENV !== 'production') await migratePostgres(env.DATABASE_URL);
    return openPostgres({ url: env.DATABASE_URL, max: Number(env.DATABASE_POOL_SIZE ?? 10), statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS })
      .database;
  }
  if (config.NODE_ENV === 'production') throw new Error('Invalid configuration:\n  DATABASE_URL: missing (required in production)');
  const { openPglite } = await import('./db/pglite.ts');
  mkdirSync(dataDir, { recursive: true });
  return (await openPglite(join(dataDir, 'pglite'))).database;
}

/** The shared rate-limit store the configuration names (Upstash or Redis), else one in this process's memory. */
async function openRateLimitStore(config: Config, logger: Logger): Promise<RateLimitStore> {
  const timeoutMs = config.RATE_LIMIT_STORE_TIMEOUT_MS;
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    return upstashRateLimitStore({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN, timeoutMs });
  }
  if (config.REDIS_URL) {
    const { redisRateLimitStore } = await import('./lib/rate-limit-redis.ts');
    return redisRateLimitStore({ url: config.REDIS_URL, timeoutMs, logger });
  }
  if (config.NODE_ENV === 'production') {
    logger.warn('rate limits are counted in memory: every instance counts on its own (set REDIS_URL or UPSTASH_REDIS_REST_URL/TOKEN)');
  }
  return memoryRateLimitStore();
}

export async function startServerApp(options: ServerOptions) {
  const dataDir = options.env.DATA_DIR ?? '.data';
  const env = withDevSecrets(options.env, dataDir);
  const config = loadConfig(env);
  const logger: Logger = createLogger(config.LOG_LEVEL);
  const db = await openDatabase(config, env, dataDir);
  const seeded = config.NODE_ENV === 'development' && (await seedDemo(db, nativeHasher, config.BCRYPT_COST, DEMO_CRM_SIZE));
  const rateLimits = await openRateLimitStore(config, logger);
  const notifier = notifierFromConfig(config, logger);
  const app = createApp({
    config,
    db,
    hasher: nativeHasher,
    rateLimits,
    notifier,
    logger,
    peerIp: options.peerIp,
    resolveHost: nodeResolveHost,
    docsBundle: readScalarBundle,
  });
  /** Background loops started here push their stop function; close() awaits them before closing the pools they use. */
  const stops: Array<() => Promise<void>> = [];
  // The outbox is in the database, so deliveries survive restarts; WEBHOOK_WORKER=off leaves them to other instances or `npm run jobs:webhooks`.
  if (config.WEBHOOK_WORKER === 'on') stops.push(startWebhookWorker({ db, config, notifier, logger, resolveHost: nodeResolveHost }).stop);
  const close = async () => {
    await Promise.all(stops.map((stop) => stop()));
    await Promise.all([db.close(), rateLimits.close?.()]);
  };
  return { app, config, db, logger, seeded, rateLimits, close };
}

/** What `npm run dev` prints: where to go and how to log in. */
export function banner(url: string, config: Config): string {
  const lines = [`CRM API listening on ${url}`, `  API reference: ${url}/docs`, `  OpenAPI:       ${url}/openapi.json`];
  if (config.NODE_ENV === 'development') {
    lines.push(`  Demo logins (password "${DEMO_PASSWORD}"):`);
    for (const t of DEMO_TENANTS) {
      lines.push(`    ${t.slug}: ${roles.map((r) => demoEmail(t.slug, r)).join(', ')}`);
    }
  }
  return lines.join('\n');
}
