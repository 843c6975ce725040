import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const serverPostgres = process.env.TEST_DATABASE_URL;
if (!serverPostgres) {
  console.warn('[vitest] TEST_DATABASE_URL is not set: skipping the server-Postgres run of the HTTP suite (PGlite still runs).');
}

const httpSuite = ['test/http/**/*.test.ts'];
// One migrated template database per run on the server Postgres (see test/global-setup.ts).
const templateDb = `crm_tpl_${process.pid}_${Date.now()}`;

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The rate-limit stores' shared behaviour suite (memory; Redis and Upstash need REDIS_URL's Redis, else skip).
      { extends: true, test: { name: 'stores', include: ['test/stores/**/*.test.ts'] } },
      { extends: true, test: { name: 'pglite', include: httpSuite, env: { TEST_DB: 'pglite' } } },
      // Boots src/deno.ts under the npm-installed deno binary (skips if it is missing).
      { extends: true, test: { name: 'deno', include: ['test/deno/**/*.test.ts'] } },
      // Spawned processes from outside: the Node dev server driven by examples/quickstart.ts and the CLI tasks.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      // /docs in headless Chromium (/usr/bin/chromium; skips with a reason when absent outside CI).
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'] } },
      // The Neon bridges against the real driver (Node; needs server Postgres, else skips).
      { extends: true, test: { name: 'neon-bridge', include: ['test/neon-bridge/**/*.test.ts'] } },
      // Inside workerd through src/worker.ts: the bindings (fresh database, bridges) come from its global setup.
      {
        extends: true,
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: { bindings: inject('workers').bindings },
          })),
        ],
        test: { name: 'workers', include: ['test/workers/**/*.test.ts'], globalSetup: ['test/workers/global-setup.ts'] },
      },
      ...(serverPostgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: httpSuite,
                env: { TEST_DB: 'postgres', TEST_TEMPLATE_DB: templateDb },
                globalSetup: ['test/global-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
