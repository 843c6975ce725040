/**
 * npm run jobs:webhooks: the webhook delivery worker as its own process, for
 * deployments that run the API with WEBHOOK_WORKER=off (several instances,
 * or a dedicated worker host). Any number may run at once: claims never overlap.
 */
import { loadConfig } from '../src/config.ts';
import { drainWebhooks, startWebhookWorker } from '../src/jobs/webhook-delivery.ts';
import { nodeResolveHost } from '../src/lib/dns-node.ts';
import { createLogger } from '../src/lib/logger.ts';
import { notifierFromConfig } from '../src/lib/notifier.ts';
import { withDevSecrets } from '../src/server.ts';
import { CliError, openTarget, parseCli, runTask, targetName } from './cli/common.ts';

const usage = `Usage: npm run jobs:webhooks [-- --once]

  Delivers due outbound webhooks (signed, retried with backoff, endpoints
  auto-disabled after sustained failure) until stopped with SIGINT/SIGTERM,
  polling every WEBHOOK_POLL_MS (default 1000).
  --once   deliver everything due now, print how many, exit

  Needs the API's JWT_SECRET (or WEBHOOK_SECRET_KEY) to read endpoint secrets.
  Target: DATABASE_URL, or the embedded database in $DATA_DIR (default .data).`;

const args = parseCli(usage, { once: { type: 'boolean', default: false } });

await runTask(async () => {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(withDevSecrets(process.env, process.env.DATA_DIR ?? '.data'));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const db = await openTarget();
  const options = { db, config, logger, notifier: notifierFromConfig(config, logger), resolveHost: nodeResolveHost };
  if (args.once) {
    try {
      const attempted = await drainWebhooks(options);
      console.log(`Attempted ${attempted} webhook deliveries in ${targetName()}.`);
    } finally {
      await db.close();
    }
    return;
  }
  console.log(`Delivering webhooks from ${targetName()} (Ctrl-C to stop).`);
  const worker = startWebhookWorker(options);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await worker.stop();
  await db.close();
});
