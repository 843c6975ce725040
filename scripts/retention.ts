/**
 * npm run jobs:retention: prunes audit rows older than AUDIT_RETENTION_DAYS
 * (default 365), security events older than SECURITY_EVENT_RETENTION_DAYS
 * (default 90) and the finished webhook outbox older than
 * WEBHOOK_RETENTION_DAYS (default 30) in every tenant, and prints what it pruned. Run it daily from
 * cron on Node/Deno hosts (README, Compliance); Workers run the same job from
 * the cron trigger in wrangler.toml.
 */
import { retentionSchema } from '../src/config.ts';
import { runRetention } from '../src/jobs/retention.ts';
import { CliError, openTarget, parseCli, runTask, targetName } from './cli/common.ts';

const usage = `Usage: npm run jobs:retention

  Deletes, in every tenant:
    audit log rows older than AUDIT_RETENTION_DAYS (default 365), keeping the
      hash chain verifiable (a chained audit_log.pruned event records the cut);
    security events older than SECURITY_EVENT_RETENTION_DAYS (default 90);
    webhook deliveries finished (succeeded or dead) more than
      WEBHOOK_RETENTION_DAYS (default 30) ago, and events older than that
      with no delivery left (a pending or in-flight delivery keeps its event).
  Prints one line per tenant where something was pruned, then the totals.

  Target: DATABASE_URL, or the embedded database in $DATA_DIR (default .data).
  Cron example (daily at 03:17):
    17 3 * * *  cd /srv/crm && npm run jobs:retention >> /var/log/crm-retention.log 2>&1`;

parseCli(usage, {});

await runTask(async () => {
  const settings = retentionSchema.safeParse(process.env);
  if (!settings.success) throw new CliError(settings.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const db = await openTarget();
  try {
    const report = await runRetention(db, settings.data);
    for (const t of report.pruned) {
      const seqs = t.auditSeqs ? ` (seq ${t.auditSeqs.from}-${t.auditSeqs.to})` : '';
      console.log(
        `tenant ${t.tenantId}: ${t.auditRowsPruned} audit rows${seqs}, ${t.securityEventsPruned} security events, ${t.webhookDeliveriesPruned} webhook deliveries, ${t.webhookEventsPruned} webhook events`,
      );
    }
    console.log(
      `Pruned ${report.auditRowsPruned} audit rows (before ${report.auditBefore.toISOString()}), ${report.securityEventsPruned} security events (before ${report.securityEventsBefore.toISOString()}) and ${report.webhookDeliveriesPruned} webhook deliveries and ${report.webhookEventsPruned} webhook events (before ${report.webhooksBefore.toISOString()}) across ${report.tenants} tenants in ${targetName()}.`,
    );
  } finally {
    await db.close();
  }
});
