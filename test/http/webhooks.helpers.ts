import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { type DeliveryOptions, drainWebhooks } from '../../src/jobs/webhook-delivery.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { type Harness, json, TEST_ENV } from '../harness.ts';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver answers next: a status, or `hang` (never answers within the test's timeout). */
export type Reply = number | 'hang';

/** A local HTTP receiver on a random port: records every request, answers from a script (then `fallback`). */
export async function startReceiver(options: { delayMs?: number } = {}) {
  const received: Received[] = [];
  const script: Reply[] = [];
  let fallback: Reply = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const reply = script.shift() ?? fallback;
      if (reply === 'hang') {
        setTimeout(() => res.writeHead(200).end('late'), 3_000).unref();
        return;
      }
      const answer = () => res.writeHead(reply, { 'content-type': 'text/plain' }).end(reply < 300 ? 'ok' : 'nope');
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    /** Queue replies for the next requests. */
    reply: (...replies: Reply[]) => script.push(...replies),
    always: (reply: Reply) => {
      fallback = reply;
    },
    clear: () => {
      received.length = 0;
      script.length = 0;
      fallback = 200;
    },
  };
}

/**
 * Standard Webhooks verification written independently of the app (node:crypto):
 * HMAC-SHA256 over "id.timestamp.body" keyed with the base64-decoded part of whsec_.
 */
export function verifySignature(secret: string, r: Received, toleranceSeconds = 300): boolean {
  const id = r.headers['webhook-id'];
  const ts = r.headers['webhook-timestamp'];
  const header = r.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof header !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${r.body}`).digest();
  return header.split(' ').some((part) => {
    const [version, sig] = part.split(',');
    if (version !== 'v1' || !sig) return false;
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Runs the delivery worker once over the harness database (retries due at once unless delays are given). */
export function drain(h: Harness, overrides: Partial<DeliveryOptions> & { maxRounds?: number; env?: Record<string, string> } = {}) {
  const { env, ...options } = overrides;
  const config = loadConfig({ ...TEST_ENV, WEBHOOK_TIMEOUT_MS: '400', ...env });
  return drainWebhooks({
    db: h.db,
    config,
    notifier: { sendEmail: async (m) => void h.emails.push(m) },
    logger: createLogger('silent'),
    retryDelaysMs: [0, 0, 0, 0, 0, 0],
    jitter: false,
    maxRounds: 20,
    ...options,
  });
}

/** Creates an endpoint as `token`'s user; returns its id, secret, body and the 201 response (for its headers). */
export async function createEndpoint(h: Harness, token: string, body: Record<string, unknown>) {
  const res = await h.request('POST', '/api/webhooks', { token, body: { eventTypes: ['*'], ...body } });
  expect(res.status, await res.clone().text()).toBe(201);
  const { data } = await json(res);
  return { id: data.id as string, secret: data.secret as string, data, res };
}

export const eventsOf = (received: Received[]) => received.map((r) => JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, any> });
