import { expect, it } from 'vitest';
import { runLoad } from '../load/load.ts';
import { createScratchDatabase } from '../scratch-db.ts';

/**
 * A few seconds of `npm run test:load` (test/load/load.ts) on every run: same checks, smaller numbers. Its RSS
 * bound is looser than the 60 s run's 10 %: from a cold start the server's heap is still filling up, and
 * repeated 4 s runs of one build grew 4–12 % (with or without a 2 s warm-up), so 10 % failed at random. At 20 %
 * the smoke catches gross growth; a leak as small as keeping every response (~18 MB here) needs the 60 s run.
 */
const setup = await createScratchDatabase('crm_load');
if ('skip' in setup) console.warn(`[load-smoke] skipped: ${setup.skip}`);

it.skipIf('skip' in setup)(
  'load smoke: mixed reads and writes from every role of 3 tenants, no 5xx, no cross-tenant ids, no connection leak',
  async () => {
    if ('skip' in setup) return;
    const report = await runLoad(setup, { durationMs: 4_000, tenants: 3, concurrency: 6, rssWindowMs: 1_000, maxRssGrowthPercent: 20 });
    console.log(
      `[load smoke] ${report.requests} requests, ${report.requestsPerSecond}/s, statuses ${JSON.stringify(report.statuses)}, RSS ${JSON.stringify(report.rssMb)}`,
    );
    expect(report.violations).toEqual([]);
    expect(report.requests).toBeGreaterThan(10);
    expect(Object.keys(report.statuses).some((s) => s.startsWith('POST 201'))).toBe(true);
  },
  240_000,
);
