import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { scopedQueries } from '../../src/db/scoped.ts';
import { runRetention } from '../../src/jobs/retention.ts';
import { verifyChain } from '../../src/lib/audit-chain.ts';
import { createHarness, type Harness } from '../harness.ts';

let h: Harness;
let tenant: string;
let acme: string;
const DAY = 86_400_000;
const settings = { AUDIT_RETENTION_DAYS: 365, SECURITY_EVENT_RETENTION_DAYS: 90, WEBHOOK_RETENTION_DAYS: 30 };

const verify = (tenantId: string) => h.db.transaction(tenantId, (q) => verifyChain(scopedQueries(q, tenantId)));
const auditRows = () =>
  h.raw.query<{ seq: string; action: string; created_at: Date; prev_hash: string; hash: string; changes: Record<string, unknown> | null }>(
    'select seq, action, created_at, prev_hash, hash, changes from audit_logs where tenant_id = $1 order by seq',
    [tenant],
  );
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

async function addAudit(days: number, n: number) {
  for (let i = 0; i < n; i++) {
    await h.raw.query(`insert into audit_logs (tenant_id, actor_type, action, resource_type, created_at) values ($1, 'system', $2, 'test', $3)`, [
      tenant,
      `aged.${days}`,
      daysAgo(days),
    ]);
  }
}
async function addSecurityEvent(days: number) {
  await h.raw.query(`insert into security_events (tenant_id, type, created_at) values ($1, 'login_rate_limited', $2)`, [tenant, daysAgo(days)]);
}

/** Outbox rows by event id: the event's age, then each delivery's status and days since it last changed. */
const outbox: Record<string, { days: number; deliveries: [status: string, days: number][] }> = {
  msg_old_succeeded: { days: 40, deliveries: [['succeeded', 40]] },
  msg_old_dead: { days: 40, deliveries: [['dead', 35]] },
  msg_old_none: { days: 40, deliveries: [] },
  msg_old_pending: { days: 40, deliveries: [['pending', 40]] },
  msg_old_delivering: { days: 40, deliveries: [['delivering', 40]] },
  msg_old_failed: { days: 40, deliveries: [['failed', 40]] },
  msg_old_mixed: {
    days: 40,
    deliveries: [
      ['succeeded', 40],
      ['pending', 40],
    ],
  },
  msg_old_redelivered: { days: 40, deliveries: [['succeeded', 2]] },
  msg_new: { days: 5, deliveries: [['succeeded', 5]] },
};
async function addOutbox() {
  const [endpoint] = await h.raw.query<{ id: string }>(
    `insert into webhook_endpoints (tenant_id, url, event_types, secret_encrypted) values ($1, 'https://hooks.example.com/x', '{*}', 'sealed') returning id`,
    [tenant],
  );
  for (const [id, { days, deliveries }] of Object.entries(outbox)) {
    await h.raw.query(`insert into webhook_events (id, tenant_id, type, payload, created_at) values ($1, $2, 'lead.created', '{}', $3)`, [
      id,
      tenant,
      daysAgo(days),
    ]);
    for (const [status, changed] of deliveries) {
      await h.raw.query(`insert into webhook_deliveries (tenant_id, event_id, endpoint_id, status, created_at, updated_at) values ($1, $2, $3, $4, $5, $6)`, [
        tenant,
        id,
        endpoint?.id,
        status,
        daysAgo(days),
        daysAgo(changed),
      ]);
    }
  }
}
const outboxRows = async () => ({
  events: (await h.raw.query<{ id: string }>('select id from webhook_events where tenant_id = $1 order by id', [tenant])).map((r) => r.id),
  deliveries: (
    await h.raw.query<{ event_id: string; status: string }>('select event_id, status from webhook_deliveries where tenant_id = $1 order by event_id, status', [
      tenant,
    ])
  ).map((r) => `${r.event_id}:${r.status}`),
});

beforeAll(async () => {
  h = await createHarness();
  acme = await h.tenantId('acme');
  // A tenant of its own, written in time order (seq follows time, as in production).
  [{ id: tenant }] = (await h.raw.query<{ id: string }>(`insert into tenants (name, slug) values ('Aged', 'aged') returning id`)) as [{ id: string }];
  await addAudit(500, 3);
  await addAudit(400, 2);
  await addAudit(10, 3);
  for (const days of [200, 100, 30, 1]) await addSecurityEvent(days);
  await addOutbox();
});

describe('retention job', () => {
  it('prunes audit rows older than AUDIT_RETENTION_DAYS and security events older than SECURITY_EVENT_RETENTION_DAYS', async () => {
    const acmeBefore = await h.raw.query('select id from audit_logs where tenant_id = $1 order by seq', [acme]);
    const before = await auditRows();
    const report = await runRetention(h.db, settings);
    expect(report.tenants).toBeGreaterThanOrEqual(3);
    expect(report.pruned).toEqual([
      { tenantId: tenant, auditRowsPruned: 5, auditSeqs: { from: 1, to: 5 }, securityEventsPruned: 2, webhookDeliveriesPruned: 3, webhookEventsPruned: 3 },
    ]);
    expect(report.auditRowsPruned).toBe(5);
    expect(report.securityEventsPruned).toBe(2);

    const after = await auditRows();
    expect(after.map((r) => r.action)).toEqual(['aged.10', 'aged.10', 'aged.10', 'audit_log.pruned']);
    expect(after.map((r) => Number(r.seq))).toEqual([6, 7, 8, 9]);
    const pruned = after.at(-1);
    expect(pruned?.changes).toMatchObject({ fromSeq: 1, toSeq: 5, count: 5, anchorHash: before[4]?.hash });
    expect(after[0]?.prev_hash).toBe(before[4]?.hash);
    const events = await h.raw.query<{ created_at: Date }>('select created_at from security_events where tenant_id = $1', [tenant]);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.created_at.getTime() > Date.now() - 90 * DAY)).toBe(true);
    expect(report.webhooksBefore.getTime()).toBeLessThanOrEqual(Date.now() - 30 * DAY);
    expect([report.webhookDeliveriesPruned, report.webhookEventsPruned]).toEqual([3, 3]);
    // Recent data elsewhere is untouched.
    expect(await h.raw.query('select id from audit_logs where tenant_id = $1 order by seq', [acme])).toEqual(acmeBefore);
  });

  it('prunes finished webhook deliveries and their events past WEBHOOK_RETENTION_DAYS, never an unfinished delivery or its event', async () => {
    expect(await outboxRows()).toEqual({
      events: ['msg_new', 'msg_old_delivering', 'msg_old_failed', 'msg_old_mixed', 'msg_old_pending', 'msg_old_redelivered'],
      // The mixed event's finished delivery goes; its pending one (and so the event) stays. A recent redelivery keeps its log.
      deliveries: [
        'msg_new:succeeded',
        'msg_old_delivering:delivering',
        'msg_old_failed:failed',
        'msg_old_mixed:pending',
        'msg_old_pending:pending',
        'msg_old_redelivered:succeeded',
      ],
    });
  });

  it('leaves both chains verifiable: verify starts from the row whose prev_hash is the recorded anchor', async () => {
    expect(await verify(tenant)).toEqual({ valid: true, checked: 4 });
    expect((await verify(acme)).valid).toBe(true);
  });

  it('a second run with nothing old prunes nothing and writes no event', async () => {
    const report = await runRetention(h.db, settings);
    expect(report.pruned).toEqual([]);
    expect(await auditRows()).toHaveLength(4);
  });

  it('pruning everything (an earlier prune event included) keeps one anchored chain', async () => {
    const later = new Date(Date.now() + 400 * DAY);
    const before = await auditRows();
    const report = await runRetention(h.db, settings, later);
    expect(report.pruned.find((p) => p.tenantId === tenant)).toMatchObject({
      auditRowsPruned: 4,
      auditSeqs: { from: 6, to: 9 },
      securityEventsPruned: 2,
      webhookDeliveriesPruned: 2,
      webhookEventsPruned: 2,
    });
    // However old, unfinished deliveries and their events stay until the worker finishes them.
    expect(await outboxRows()).toEqual({
      events: ['msg_old_delivering', 'msg_old_failed', 'msg_old_mixed', 'msg_old_pending'],
      deliveries: ['msg_old_delivering:delivering', 'msg_old_failed:failed', 'msg_old_mixed:pending', 'msg_old_pending:pending'],
    });
    const after = await auditRows();
    expect(after.map((r) => [Number(r.seq), r.action])).toEqual([[10, 'audit_log.pruned']]);
    expect(after[0]?.prev_hash).toBe(before.at(-1)?.hash);
    expect(await verify(tenant)).toEqual({ valid: true, checked: 1 });
    expect(await verify(acme)).toMatchObject({ valid: true });
  });

  it('rows removed past the anchor without a prune record are still detected', async () => {
    await addAudit(0, 2);
    const rows = await auditRows();
    await h.raw.query('delete from audit_logs where tenant_id = $1 and seq = $2', [tenant, rows[0]?.seq]);
    expect(await verify(tenant)).toMatchObject({ valid: false, reason: 'chain_start_mismatch', firstBrokenSeq: Number(rows[1]?.seq) });
  });

  it('the app role cannot prune outside a tenant scope', async () => {
    await expect(h.db.transaction(null, (q) => q.execute('select * from audit_prune(now())' as never))).rejects.toThrow();
  });
});

describe('npm run jobs:retention', () => {
  it('documents itself with --help', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'scripts/retention.ts', '--help'], { timeout: 30_000 });
    expect(stdout).toContain('AUDIT_RETENTION_DAYS');
    expect(stdout).toContain('SECURITY_EVENT_RETENTION_DAYS');
    expect(stdout).toContain('WEBHOOK_RETENTION_DAYS');
    expect(stdout).toMatch(/17 3 \* \* \*/);
  });
});
