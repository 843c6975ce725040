import type { App } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { createNeonDatabase } from './db/neon.ts';
import { runRetention } from './jobs/retention.ts';
import { drainWebhooks } from './jobs/webhook-delivery.ts';
import type { AppDeps } from './lib/context.ts';
import { SCALAR_BUNDLE_PATH } from './lib/docs-bundle.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { notifierFromConfig } from './lib/notifier.ts';
import { jsHasher } from './lib/passwords-js.ts';
import { memoryRateLimitStore } from './lib/rate-limit.ts';
import { upstashRateLimitStore } from './lib/rate-limit-upstash.ts';
import type { WorkerEnv } from './worker.ts';

/**
 * The Workers runtime's wiring, loaded by src/worker.ts on an isolate's first
 * event: the bindings become the app's dependencies (wrangler.toml documents
 * every binding), the app is built, and cron triggers find their job. Never
 * import Node-only modules here (`pg`, PGlite, `@node-rs/bcrypt`, `node:fs`,
 * src/server.ts).
 */

// Once per isolate, keyed by the env object (workerd hands every event the same one).
const depsOf = new WeakMap<object, AppDeps>();

/**
 * Upstash from the bindings (shared by every isolate and location); without
 * them, a per-isolate memory store (development). Its pending work is kept
 * alive with ctx.waitUntil by the rate-limit middleware.
 */
function rateLimitStore(config: Config, logger: Logger) {
  if (config.REDIS_URL)
    throw new Error('Invalid configuration:\n  REDIS_URL: not supported on Workers (no TCP client); set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN');
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    return upstashRateLimitStore({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN, timeoutMs: config.RATE_LIMIT_STORE_TIMEOUT_MS });
  }
  if (config.NODE_ENV === 'production') logger.warn('rate limits are counted per isolate: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN');
  return memoryRateLimitStore();
}

/** Validates the config and opens the bindings; throws naming what is missing or invalid. */
function depsFor(env: WorkerEnv): AppDeps {
  const built = depsOf.get(env);
  if (built) return built;
  // [vars] and secrets arrive as strings; other binding kinds are not config.
  const vars = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string' && v !== '')) as Record<string, string>;
  const config = loadConfig(vars);
  if (!vars.DATABASE_URL) throw new Error('Invalid configuration:\n  DATABASE_URL: missing (required on Workers)');
  const logger = createLogger(config.LOG_LEVEL);
  const deps: AppDeps = {
    config,
    db: createNeonDatabase({ url: vars.DATABASE_URL, httpEndpoint: vars.NEON_HTTP_ENDPOINT, wsProxy: vars.NEON_WS_PROXY }),
    hasher: jsHasher,
    rateLimits: rateLimitStore(config, logger),
    notifier: notifierFromConfig(config, logger),
    logger,
    peerIp: (c) => c.req.header('CF-Connecting-IP'),
    docsBundle: docsBundleFromAssets(env.ASSETS),
  };
  depsOf.set(env, deps);
  return deps;
}

/** The app for this isolate's bindings; src/app.ts (every route's schemas) loads here. */
export async function buildApp(env: WorkerEnv): Promise<App> {
  const deps = depsFor(env);
  const { createApp } = await import('./app.ts');
  return createApp(deps);
}

/** Cron triggers (wrangler.toml [triggers]) by schedule; each job gets the bindings, never the app (so never loads the routes). */
const cronJobs: Record<string, (deps: AppDeps) => Promise<unknown>> = {
  // The webhook outbox, every minute. No DNS check here: fetch from Workers cannot reach private ranges.
  '* * * * *': (deps) => drainWebhooks({ ...deps, maxRounds: 20 }),
  // Audit log and security event retention, daily at 03:17 UTC.
  '17 3 * * *': async (deps) => deps.logger.info('retention', { ...(await runRetention(deps.db, deps.config)) }),
};

/**
 * wrangler.toml's [assets] holds Scalar's bundle at /docs/scalar.js (copied by
 * scripts/docs-assets.ts); the asset layer answers that path before the Worker
 * runs, and this loader serves it if a request does reach the Worker. Without
 * the binding, /docs falls back to Scalar's CDN.
 */
function docsBundleFromAssets(assets: unknown) {
  const binding = assets as { fetch?: (request: Request) => Promise<Response> } | undefined;
  if (typeof binding?.fetch !== 'function') return undefined;
  const fetchAsset = binding.fetch.bind(binding);
  return async () => {
    const res = await fetchAsset(new Request(`https://assets.local${SCALAR_BUNDLE_PATH}`));
    if (!res.ok) throw new Error(`Static asset ${SCALAR_BUNDLE_PATH}: HTTP ${res.status} (run npm run build:worker)`);
    return res.arrayBuffer();
  };
}

/** Runs the job of a cron trigger; a schedule without one is logged. */
export async function runScheduled(cron: string, env: WorkerEnv): Promise<void> {
  const deps = depsFor(env);
  const job = cronJobs[cron];
  if (!job) {
    deps.logger.error('no job for this cron trigger', { cron });
    return;
  }
  await job(deps);
}
