import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitStore } from '../../src/lib/rate-limit.ts';
import { redisRateLimitStore } from '../../src/lib/rate-limit-redis.ts';
import { createHarness, DEMO_PASSWORD, demoEmail, type Harness, json, type Session } from '../harness.ts';
import { closedPort } from './services.ts';

/**
 * SPEC §9 failure modes when the Redis store dies mid-run (a redis-server of
 * this test's own on a spare port, SIGKILLed and started again): while it is
 * down, login fails closed (503) and the API fails open promptly; once it is
 * back, the app's existing client reconnects and limits are enforced again.
 * (Unreachable-from-the-start and silent stores: rate-limits.test.ts and
 * rate-limit-stores.test.ts.)
 */
let port = 0;
let redis: ChildProcess | undefined;
let store: RateLimitStore;
let h: Harness;
let session: Session;

const startRedis = async () => {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if (
      await store?.peek('probe', 1, 60).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
};
const killRedis = async () => {
  const proc = redis;
  if (!proc || proc.exitCode !== null) return;
  await new Promise((resolve) => {
    proc.once('exit', resolve);
    proc.kill('SIGKILL');
  });
};

beforeAll(async () => {
  port = await closedPort();
  store = redisRateLimitStore({ url: `redis://127.0.0.1:${port}`, timeoutMs: 300, prefix: `outage:${crypto.randomUUID()}:` });
  await startRedis();
  h = await createHarness({ RATE_LIMIT_USER_PER_MINUTE: '5' }, { rateLimits: store });
  session = await h.login('acme', 'manager');
}, 180_000);
afterAll(async () => {
  await store?.close?.();
  await killRedis();
});

const leads = () => h.request('GET', '/api/leads?limit=1', { token: session.accessToken });
const login = () =>
  h.request('POST', '/api/auth/login', { body: { email: demoEmail('acme', 'sales_user'), password: DEMO_PASSWORD, tenant: 'acme' }, ip: '10.77.0.1' });

describe('Redis store killed mid-run', () => {
  it('limits apply while up; fail open (API) and closed (login) while down; apply again after it returns', async () => {
    // Up: the user policy (5/min) counts in Redis.
    const up = [];
    for (let i = 0; i < 6; i++) up.push((await leads()).status);
    expect(up.slice(0, 4).every((s) => s === 200)).toBe(true);
    expect(up.at(-1)).toBe(429);

    await killRedis();
    // Down: the API answers without the store (no limit headers), quickly; login refuses with 503.
    const started = performance.now();
    const open = await leads();
    expect(open.status).toBe(200);
    expect(open.headers.get('ratelimit-policy')).toBeNull();
    expect(performance.now() - started).toBeLessThan(2_000);
    const closed = await login();
    expect(closed.status).toBe(503);
    expect((await json(closed)).error).toBe('service_unavailable');
    expect(h.logs.some((l) => l.includes('rate limit store unavailable; allowing request'))).toBe(true);

    // Back (empty: its counters died with it): the same client reconnects; counting and refusing resume.
    await startRedis();
    const deadline = Date.now() + 10_000;
    let headers: string | null = null;
    while (!headers && Date.now() < deadline) {
      headers = (await leads()).headers.get('ratelimit-policy');
      if (!headers) await new Promise((r) => setTimeout(r, 200));
    }
    expect(headers).toContain('"user";q=5');
    expect((await login()).status).toBe(200);
    const again = [];
    for (let i = 0; i < 6; i++) again.push((await leads()).status);
    expect(again).toContain(429);
  });
});
