import type { TestProject } from 'vitest/node';
import { copyDocsAssets } from '../../scripts/docs-assets.ts';
import { startHttpBridge } from '../../scripts/neon-bridge/http-bridge.ts';
import { startWsBridge } from '../../scripts/neon-bridge/ws-bridge.ts';
import { migratePostgres } from '../../src/db/postgres.ts';
import { createScratchDatabase } from '../scratch-db.ts';
import { localRedis } from '../stores/services.ts';
import { startUpstashBridge } from '../upstash-bridge.ts';

/**
 * Node side of the workerd suite: a fresh migrated database and the two Neon
 * bridges for this run; their addresses become the Worker's bindings
 * (vitest.config.ts reads `workers.bindings` through inject).
 */
export default async function setup(project: TestProject) {
  // wrangler.toml's [assets] directory must exist before the pool reads the config.
  copyDocsAssets();
  const db = await createScratchDatabase('crm_w');
  if ('skip' in db) {
    console.warn(`[workers] skipping the workerd suite: ${db.skip}`);
    project.provide('workers', { skip: db.skip, bindings: {} });
    return;
  }
  await migratePostgres(db.url);
  const [http, ws] = await Promise.all([startHttpBridge(), startWsBridge()]);
  // The Worker's rate limits go to Upstash, here the local REST bridge to the machine's Redis.
  const redis = await localRedis();
  if ('skip' in redis) console.warn(`[workers] rate limits stay in memory: ${redis.skip}`);
  const upstash = 'skip' in redis ? null : await startUpstashBridge(redis.url);
  project.provide('workers', {
    skip: null,
    bindings: {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      NEON_HTTP_ENDPOINT: http.endpoint,
      NEON_WS_PROXY: ws.proxy,
      JWT_SECRET: 'workers-test-jwt-secret-long-enough-0123456789',
      PLATFORM_ADMIN_KEY: 'workers-test-platform-key-long-enough-012345',
      STRIPE_WEBHOOK_SECRET: 'whsec_workers_test_secret_0123456789',
      STRIPE_PRICE_PRO: 'price_wk_pro',
      STRIPE_PRICE_ENTERPRISE: 'price_wk_enterprise',
      LOG_LEVEL: 'warn',
      ...(upstash ? { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token } : {}),
    },
  });
  return async () => {
    await Promise.all([http.close(), ws.close(), upstash?.close()]);
    await db.drop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    workers: { skip: string | null; bindings: Record<string, string> };
  }
}
