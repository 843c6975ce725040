/**
 * The delivery worker as a separate process for the SIGKILL test in
 * test/e2e/webhook-kill.test.ts: drains DATABASE_URL's outbox in small
 * batches, one delivery at a time, with a short lease, until killed.
 */
import { loadConfig } from '../../src/config.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { drainWebhooks } from '../../src/jobs/webhook-delivery.ts';
import { createLogger } from '../../src/lib/logger.ts';

const { database } = openPostgres({ url: process.env.DATABASE_URL as string, max: 2 });
const config = loadConfig(process.env);
const logger = createLogger('error', (line) => process.stderr.write(`${line}\n`));
process.stdout.write('ready\n');
for (;;) {
  await drainWebhooks({
    db: database,
    config,
    logger,
    notifier: { sendEmail: async () => undefined },
    batchSize: 5,
    concurrency: 1,
    leaseMs: Number(process.env.LEASE_MS ?? 1500),
    retryDelaysMs: [0, 0, 0, 0, 0, 0],
    jitter: false,
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
}
