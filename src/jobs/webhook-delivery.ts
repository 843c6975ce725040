import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { auditLogs, type DeliveryAttempt, WEBHOOK_WORKER_ROLE, webhookDeliveries, webhookEndpoints, webhookEvents } from '../db/schema/index.ts';
import { scopedQueries } from '../db/scoped.ts';
import type { AppDeps } from '../lib/context.ts';
import { notifyTenantAdmins } from '../lib/notify-admins.ts';
import { type ResolveHost, webhookUrlProblem } from '../lib/ssrf.ts';
import { decryptSecret, secretKeyMaterial, signWebhook } from '../lib/webhook-signing.ts';

/** Delays before attempts 2..7 (~17.6 h in all); each gets ±20 % jitter so a recovering receiver is not hit in lockstep. */
export const RETRY_DELAYS_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000];

export interface DeliveryOptions {
  db: Database;
  config: AppDeps['config'];
  notifier: AppDeps['notifier'];
  logger: AppDeps['logger'];
  /** DNS lookup for the delivery-time SSRF check (Node/Deno). */
  resolveHost?: ResolveHost;
  fetch?: typeof fetch;
  now?: () => number;
  /** Deliveries claimed per round. */
  batchSize?: number;
  /** Deliveries sent at once within a round. */
  concurrency?: number;
  /** How long a claim is held before another process may take it over (must exceed the request timeout). */
  leaseMs?: number;
  retryDelaysMs?: number[];
  /** No jitter (tests). */
  jitter?: boolean;
  /** An endpoint is disabled once every attempt has failed for this long (and at least `disableAfterFailures` times). */
  disableAfterMs?: number;
  disableAfterFailures?: number;
}

interface Claimed {
  id: string;
  tenantId: string;
  attempt: number;
}

const RESPONSE_BODY_LIMIT = 64 * 1024;

/**
 * Claims due deliveries of every tenant in one short transaction, as the
 * worker role (drizzle/0008): it passes the webhook_deliveries policy for all
 * tenants but may touch no other table. `delivering` plus a lease in
 * next_attempt_at makes the claim expire by itself if this process dies.
 */
async function claim(o: Required<Pick<DeliveryOptions, 'batchSize' | 'leaseMs'>> & DeliveryOptions, now: number): Promise<Claimed[]> {
  return o.db.transaction(null, async (q) => {
    await q.execute(sql`select set_config('role', ${WEBHOOK_WORKER_ROLE}, true)`);
    const due = q
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(sql`${webhookDeliveries.status} in ('pending', 'failed', 'delivering')`, lte(webhookDeliveries.nextAttemptAt, new Date(now))))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(o.batchSize)
      .for('update', { skipLocked: true });
    return q
      .update(webhookDeliveries)
      .set({ status: 'delivering', attempt: sql`${webhookDeliveries.attempt} + 1`, nextAttemptAt: new Date(now + o.leaseMs), updatedAt: new Date(now) })
      .where(inArray(webhookDeliveries.id, due))
      .returning({ id: webhookDeliveries.id, tenantId: webhookDeliveries.tenantId, attempt: webhookDeliveries.attempt });
  });
}

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number | null;
  error: string | null;
  /** Not worth retrying (endpoint gone or disabled). */
  final?: boolean;
}

async function post(o: DeliveryOptions, url: string, headers: Record<string, string>, body: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await (o.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'crm-edge-api-webhooks/1', ...headers },
      body,
      // A redirect could lead anywhere (an internal address): it is not followed, and counts as a failure.
      redirect: 'manual',
      signal: AbortSignal.timeout(o.config.WEBHOOK_TIMEOUT_MS),
    });
    await readCapped(res);
    const latencyMs = Math.round(performance.now() - started);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, statusCode: res.status, latencyMs, error: ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    const name = (err as Error).name;
    const error = name === 'TimeoutError' || name === 'AbortError' ? `timed out after ${o.config.WEBHOOK_TIMEOUT_MS} ms` : 'connection failed';
    return { ok: false, statusCode: null, latencyMs, error };
  }
}

/** Reads (and drops) at most 64 KiB of the answer, so the connection is released and a huge body cannot hold the worker. */
async function readCapped(res: Response) {
  const reader = res.body?.getReader();
  if (!reader) return;
  let read = 0;
  try {
    while (read < RESPONSE_BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** One claimed delivery: read it in its tenant's scope, send it, record the outcome there too. */
async function deliver(o: DeliveryOptions & { now: () => number }, claimed: Claimed): Promise<void> {
  const { db } = o;
  const [rows] = await db.batch(claimed.tenantId, (q) => {
    const s = scopedQueries(q, claimed.tenantId);
    return [
      s.q
        .select({ delivery: webhookDeliveries, event: webhookEvents, endpoint: webhookEndpoints })
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
        .where(s.where(webhookDeliveries, eq(webhookDeliveries.id, claimed.id)))
        .limit(1),
    ] as const;
  });
  const row = rows[0];
  // Deleted meanwhile (with its endpoint), or claimed again after this claim's lease ran out.
  if (row?.delivery.status !== 'delivering' || row.delivery.attempt !== claimed.attempt) return;
  const { event, endpoint } = row;

  let outcome: Outcome;
  if (!endpoint.enabled) {
    outcome = { ok: false, statusCode: null, latencyMs: null, error: 'endpoint disabled', final: true };
  } else {
    const problem = await webhookUrlProblem(endpoint.url, { allowPrivate: o.config.NODE_ENV !== 'production', resolve: o.resolveHost });
    if (problem) {
      outcome = { ok: false, statusCode: null, latencyMs: null, error: `url ${problem}` };
    } else {
      const body = JSON.stringify(event.payload);
      const timestamp = Math.floor(o.now() / 1000);
      // Unreadable after a change of WEBHOOK_SECRET_KEY/JWT_SECRET: a failed attempt (retried, then dead) until the secret is rotated.
      const secret = await decryptSecret(secretKeyMaterial(o.config), claimed.tenantId, endpoint.secretEncrypted).catch(() => null);
      if (secret === null) {
        outcome = { ok: false, statusCode: null, latencyMs: null, error: 'signing secret unreadable (encryption key changed): rotate the secret' };
      } else {
        const signature = await signWebhook(secret, event.id, timestamp, body);
        outcome = await post(o, endpoint.url, { 'webhook-id': event.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature }, body);
      }
    }
  }
  const disabled = await record(o, claimed, endpoint.id, outcome);
  if (disabled) {
    await notifyTenantAdmins(o, claimed.tenantId, {
      subject: 'A webhook endpoint was disabled',
      text: `Deliveries to ${endpoint.url} have failed since ${disabled.toISOString()}, so the endpoint was disabled and receives nothing until it is re-enabled (PATCH /api/webhooks/${endpoint.id} with {"enabled": true}). Failed deliveries can be sent again with POST /api/webhooks/deliveries/{id}/redeliver.`,
    });
  }
}

/** Writes the attempt's outcome and the endpoint's health; returns since when it failed if this attempt disabled the endpoint. */
async function record(o: DeliveryOptions & { now: () => number }, claimed: Claimed, endpointId: string, outcome: Outcome): Promise<Date | null> {
  const now = new Date(o.now());
  const delays = o.retryDelaysMs ?? RETRY_DELAYS_MS;
  const exhausted = outcome.final || claimed.attempt > delays.length;
  const delay = delays[claimed.attempt - 1] ?? 0;
  const jittered = o.jitter === false ? delay : delay * (0.8 + Math.random() * 0.4);
  const entry: DeliveryAttempt = {
    at: now.toISOString(),
    attempt: claimed.attempt,
    statusCode: outcome.statusCode,
    latencyMs: outcome.latencyMs,
    error: outcome.error,
  };
  return o.db.transaction(claimed.tenantId, async (q) => {
    const s = scopedQueries(q, claimed.tenantId);
    const updated = await s
      .update(
        webhookDeliveries,
        {
          status: outcome.ok ? 'succeeded' : exhausted ? 'dead' : 'failed',
          nextAttemptAt: outcome.ok || exhausted ? now : new Date(now.getTime() + jittered),
          lastStatusCode: outcome.statusCode,
          lastLatencyMs: outcome.latencyMs,
          lastError: outcome.error,
          attempts: sql`${webhookDeliveries.attempts} || ${JSON.stringify([entry])}::jsonb`,
          ...(outcome.ok && { deliveredAt: now }),
          updatedAt: now,
        },
        // Only the claim that is still current records: a takeover after a lease ran out wins.
        and(eq(webhookDeliveries.id, claimed.id), eq(webhookDeliveries.status, 'delivering'), eq(webhookDeliveries.attempt, claimed.attempt)),
      )
      .returning({ id: webhookDeliveries.id });
    if (!updated.length || outcome.final) return null;
    if (outcome.ok) {
      await s.update(webhookEndpoints, { consecutiveFailures: 0, failingSince: null, lastSuccessAt: now }, eq(webhookEndpoints.id, endpointId));
      return null;
    }
    const [endpoint] = await s
      .update(
        webhookEndpoints,
        {
          consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
          failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now.toISOString()}::timestamptz)`,
        },
        eq(webhookEndpoints.id, endpointId),
      )
      .returning();
    if (!endpoint?.enabled || !endpoint.failingSince) return null;
    const failingFor = now.getTime() - endpoint.failingSince.getTime();
    if (endpoint.consecutiveFailures < (o.disableAfterFailures ?? 10) || failingFor < (o.disableAfterMs ?? 24 * 3_600_000)) return null;
    const reason = `every delivery failed since ${endpoint.failingSince.toISOString()} (${endpoint.consecutiveFailures} attempts in a row)`;
    await s.update(webhookEndpoints, { enabled: false, disabledAt: now, disabledReason: reason, updatedAt: now }, eq(webhookEndpoints.id, endpointId));
    await s.insert(auditLogs, {
      actorType: 'system',
      action: 'webhook.disabled',
      resourceType: 'webhook',
      resourceId: endpointId,
      changes: { before: { enabled: true }, after: { enabled: false, disabledReason: reason } },
    });
    return endpoint.failingSince;
  });
}

/**
 * Delivers everything due, round after round, until a round finds nothing
 * (or `maxRounds`). Safe to run in many processes at once: claims never overlap.
 * Returns how many deliveries were attempted.
 */
export async function drainWebhooks(options: DeliveryOptions & { maxRounds?: number }): Promise<number> {
  const o = { batchSize: 50, concurrency: 8, leaseMs: Math.max(60_000, options.config.WEBHOOK_TIMEOUT_MS * 3), now: Date.now, ...options };
  let attempted = 0;
  for (let round = 0; round < (o.maxRounds ?? Number.POSITIVE_INFINITY); round++) {
    const claimed = await claim(o, o.now());
    if (!claimed.length) break;
    const queue = [...claimed];
    await Promise.all(
      Array.from({ length: Math.min(o.concurrency, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          try {
            await deliver(o, next);
          } catch (err) {
            // The claim's lease runs out and another round retries it.
            o.logger.error('webhook delivery failed', { deliveryId: next.id, error: String((err as Error).message ?? err) });
          }
        }
      }),
    );
    attempted += claimed.length;
  }
  return attempted;
}

/** The Node/Deno in-process loop: drains, waits WEBHOOK_POLL_MS, repeats; stop() waits for the round under way. */
export function startWebhookWorker(options: DeliveryOptions): { stop(): Promise<void> } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = drainWebhooks(options)
      .catch((err) => options.logger.error('webhook worker round failed', { error: String((err as Error).message ?? err) }))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.config.WEBHOOK_POLL_MS);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
