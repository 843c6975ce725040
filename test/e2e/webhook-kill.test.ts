import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { migratePostgres, openPostgres } from '../../src/db/postgres.ts';
import { webhookEndpoints } from '../../src/db/schema/index.ts';
import { scopedQueries } from '../../src/db/scoped.ts';
import { emitEvent } from '../../src/lib/events.ts';
import { encryptSecret, newWebhookSecret } from '../../src/lib/webhook-signing.ts';
import { TEST_ENV } from '../harness.ts';
import { startReceiver, verifySignature } from '../http/webhooks.helpers.ts';
import { createScratchDatabase } from '../scratch-db.ts';

/**
 * Exactly-once recording with a delivering process SIGKILLed mid-batch and
 * restarted: a real child process (test/http/webhooks.drain-child.ts) drains
 * the outbox of a scratch server-Postgres database into a slow local receiver.
 */
describe('a delivering process killed mid-batch', () => {
  // Needs a second process on the same database: server Postgres (CI always provides it).
  const reason = process.env.TEST_DATABASE_URL ? null : 'TEST_DATABASE_URL is unset';
  if (reason) console.warn(`[webhooks] skipping the SIGKILL test: ${reason}`);

  it.skipIf(reason !== null)(
    'every event reaches the receiver at least once, each is recorded once, duplicates share the webhook-id',
    { timeout: 90_000 },
    async () => {
      const scratch = await createScratchDatabase('crm_wh_kill');
      if ('skip' in scratch) throw new Error(scratch.skip);
      const slow = await startReceiver({ delayMs: 40 });
      const { database, pool } = openPostgres({ url: scratch.url, max: 4 });
      const children: ChildProcess[] = [];
      try {
        await migratePostgres(scratch.url);
        const [tenant] = (await pool.query<{ id: string }>(`insert into tenants (slug, name) values ('killtest', 'Kill test') returning id`)).rows;
        const tenantId = tenant!.id;
        const secret = newWebhookSecret();
        const secretEncrypted = await encryptSecret(TEST_ENV.JWT_SECRET, tenantId, secret);
        await database.transaction(tenantId, (q) => scopedQueries(q, tenantId).insert(webhookEndpoints, { url: slow.url, eventTypes: ['*'], secretEncrypted }));
        const total = 40;
        for (let i = 0; i < total; i++) await database.transaction(tenantId, (q) => emitEvent(scopedQueries(q, tenantId), 'lead.created', { n: i }));

        const spawnWorker = () => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'test/http/webhooks.drain-child.ts'], {
            env: { ...process.env, ...TEST_ENV, DATABASE_URL: scratch.url, WEBHOOK_TIMEOUT_MS: '2000' },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          children.push(child);
          return child;
        };
        const until = async (check: () => boolean | Promise<boolean>, what: string) => {
          const deadline = Date.now() + 60_000;
          while (!(await check())) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 25));
          }
        };

        const first = spawnWorker();
        await until(() => slow.received.length >= 12, 'the first worker to deliver a dozen');
        first.kill('SIGKILL');
        await new Promise((r) => first.once('exit', r));
        const atKill = slow.received.length;
        expect(atKill).toBeLessThan(total);
        const [{ n: inFlight }] = (await pool.query<{ n: number }>(`select count(*)::int as n from webhook_deliveries where status = 'delivering'`)).rows as [
          { n: number },
        ];

        spawnWorker();
        const done = async () =>
          (await pool.query<{ n: number }>(`select count(*)::int as n from webhook_deliveries where status <> 'succeeded'`)).rows[0]!.n === 0;
        await until(done, 'the restarted worker to deliver everything');

        const outbox = (await pool.query<{ id: string }>('select id from webhook_events')).rows.map((r) => r.id);
        expect(outbox).toHaveLength(total);
        expect(new Set(outbox).size).toBe(total);
        const perEvent = (await pool.query<{ n: number }>('select count(*)::int as n from webhook_deliveries group by event_id')).rows;
        expect(perEvent).toHaveLength(total);
        expect(perEvent.every((r) => r.n === 1)).toBe(true);

        const ids = slow.received.map((r) => r.headers['webhook-id'] as string);
        expect(new Set(ids)).toEqual(new Set(outbox));
        const bodyOf = new Map<string, string>();
        for (const r of slow.received) {
          const id = r.headers['webhook-id'] as string;
          expect(verifySignature(secret, r)).toBe(true);
          // A duplicate is the same message: same id, same body.
          if (bodyOf.has(id)) expect(r.body).toBe(bodyOf.get(id));
          bodyOf.set(id, r.body);
        }
        const duplicates = ids.length - new Set(ids).size;
        expect(duplicates).toBeLessThanOrEqual(inFlight);
        console.info(
          `[webhooks] kill test: ${atKill} received before SIGKILL, ${inFlight} claims left in flight, ${duplicates} duplicate deliveries, ${total} events`,
        );
      } finally {
        for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
        await pool.end();
        await scratch.drop();
      }
    },
  );
});
