import type { ExecutionContext } from 'hono';
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

/**
 * Cloudflare Workers entry: wires the platform's bindings into the one app
 * (wrangler.toml documents every binding). Never import Node-only modules
 * here (`pg`, PGlite, `@node-rs/bcrypt`, `node:fs`, src/server.ts), nor
 * statically anything that loads a router: src/app.ts is imported on the
 * first request, so startup and cron-only isolates never build the routes.
 */
export type WorkerEnv = Record<string, unknown>;

// Once per isolate, keyed by the env object (workerd hands every request the
// same one): the bindings, shared by the app and the cron jobs, and the app.
const depsOf = new WeakMap<object, AppDeps>();
const apps = new WeakMap<object, Promise<App>>();

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

/** Every route's schemas are built when src/app.ts loads (~100 ms of CPU): on the first request, not at startup. */
async function buildApp(env: WorkerEnv): Promise<App> {
  const deps = depsFor(env);
  const { createApp } = await import('./app.ts');
  return createApp(deps);
}

/** Cron triggers (wrangler.toml [triggers]) by schedule; each job gets the bindings, never the app. */
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

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let app = apps.get(env);
    if (!app) {
      app = buildApp(env);
      apps.set(env, app);
      // A failed build is not kept: the next request tries again.
      app.catch(() => apps.delete(env));
    }
    return app.then(
      (built) => built.fetch(request, env, ctx),
      (err: unknown) => {
        // The message names the missing or invalid bindings, never their values.
        console.error(String((err as Error).message ?? err));
        return Response.json(
          { error: 'internal_error', message: 'The service is misconfigured', requestId: crypto.randomUUID(), timestamp: new Date().toISOString() },
          { status: 500 },
        );
      },
    );
  },

  scheduled(controller: { cron: string }, env: WorkerEnv, ctx: ExecutionContext): void {
    const deps = depsFor(env);
    const job = cronJobs[controller.cron];
    if (!job) {
      deps.logger.error('no job for this cron trigger', { cron: controller.cron });
      return;
    }
    ctx.waitUntil(job(deps));
  },
};
