import { parseCli } from '../../scripts/cli/common.ts';
import { createScratchDatabase } from '../scratch-db.ts';
import { runLoad } from './load.ts';

const usage = `Usage: npm run test:load [-- --duration 60 --tenants 50 --concurrency 32]

  Seeds N enterprise tenants into a scratch database on the server Postgres
  (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres),
  starts the Node server on it and runs mixed reads and writes from every role.
  Prints a summary and exits 1 on any violation (5xx, cross-tenant id, RSS
  growth, connection leak).

  --duration S      seconds of load, default 60
  --tenants N       default 50
  --concurrency C   keep-alive connections, default 32`;

const values = parseCli(usage, {
  duration: { type: 'string', default: '60' },
  tenants: { type: 'string', default: '50' },
  concurrency: { type: 'string', default: '32' },
});

const scratch = await createScratchDatabase('crm_load');
if ('skip' in scratch) {
  console.error(scratch.skip);
  process.exit(1);
}
const report = await runLoad(scratch, {
  durationMs: Number(values.duration) * 1000,
  tenants: Number(values.tenants),
  concurrency: Number(values.concurrency),
  rssWindowMs: 10_000,
  log: (line) => console.log(line),
});

console.log(JSON.stringify(report, null, 2));
console.log(
  `${report.requests} requests in ${(report.durationMs / 1000).toFixed(1)} s (${report.requestsPerSecond}/s, p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms), ` +
    `${report.serverErrors} 5xx, ${report.crossTenantRows} cross-tenant ids, RSS ${report.rssMb.first} → ${report.rssMb.last} MB (${report.rssMb.growthPercent} %), ` +
    `connections ${report.connections.before} before / ${report.connections.peak} peak / ${report.connections.after} after (pool ${report.connections.poolSize})`,
);
if (report.violations.length) {
  console.error(`FAILED:\n  ${report.violations.join('\n  ')}`);
  process.exit(1);
}
console.log('OK');
