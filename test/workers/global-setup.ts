import type { TestProject } from 'vitest/node';
import { copyDocsAssets } from '../../scripts/docs-assets.ts';
import { startHttpBridge } from '../../scripts/neon-bridge/http-bridge.ts';
import { startWsBridge } from '../../scripts/neon-bridge/ws-bridge.ts';
import { migratePostgres } from '../../src/db/postgres.ts';
import { createScratchDatabase } from '../scratch-db.ts';

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
    },
  });
  return async () => {
    await Promise.all([http.close(), ws.close()]);
    await db.drop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    workers: { skip: string | null; bindings: Record<string, string> };
  }
}
