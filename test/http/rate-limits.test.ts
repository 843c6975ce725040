import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { nativeHasher } from '../../src/lib/passwords-native.ts';
import type { RateLimitStore } from '../../src/lib/rate-limit.ts';
import { redisRateLimitStore } from '../../src/lib/rate-limit-redis.ts';
import { upstashRateLimitStore } from '../../src/lib/rate-limit-upstash.ts';
import { TokenService } from '../../src/lib/tokens.ts';
import { createHarness, DEMO_PASSWORD, demoEmail, type Harness, json, TEST_ENV } from '../harness.ts';
import { closedPort, localRedis } from '../stores/services.ts';
import { startUpstashBridge, type UpstashBridge } from '../upstash-bridge.ts';
import { createKey, expectError } from './api-keys.helpers.ts';

/**
 * SPEC section 9 over HTTP: per user, per API key and per tenant by plan
 * (per IP and login are covered in pipeline.test.ts and login.security.test.ts),
 * the IETF headers, store outages, and two app instances sharing one store.
 */
const policies = (res: Response) => res.headers.get('ratelimit-policy') ?? '';
const remaining = (res: Response, policy: string) => Number(new RegExp(`"${policy}";r=(\\d+)`).exec(res.headers.get('ratelimit') ?? '')?.[1]);

describe('per user', () => {
  it('limits each user on its own, with headers on every response and the spec 429', async () => {
    const h = await createHarness({ RATE_LIMIT_USER_PER_MINUTE: '3' });
    const manager = await h.login('acme', 'manager');
    const sales = await h.login('acme', 'sales_user');
    const seen: Response[] = [];
    for (let i = 0; i < 3; i++) seen.push(await h.request('GET', '/api/leads', { token: manager.accessToken }));
    expect(seen.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(seen.map((r) => remaining(r, 'user'))).toEqual([2, 1, 0]);
    for (const r of seen) {
      expect(policies(r)).toMatch(/"user";q=3;w=60/);
      expect(policies(r)).toMatch(/"tenant";q=6000;w=60/);
      expect(policies(r)).toMatch(/"ip";q=1000;w=60/);
      expect(r.headers.get('retry-after')).toBeNull();
    }
    const refused = await h.request('GET', '/api/leads', { token: manager.accessToken });
    const body = await expectError(refused, 429, 'rate_limit_exceeded');
    expect(body.message).toContain('user');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(policies(refused)).toMatch(/"user";q=3;w=60/);
    // Any route behind authentication counts, errors included (a 404 here), and carries the headers.
    const other = await h.request('GET', `/api/leads/${crypto.randomUUID()}`, { token: sales.accessToken });
    expect(other.status).toBe(404);
    expect(policies(other)).toMatch(/"user";q=3/);
  });
});

describe('login', () => {
  it('answers every attempt with the login policies, counting failures down and a success back up', async () => {
    const h = await createHarness();
    const attempt = (password: string) =>
      h.request('POST', '/api/auth/login', { body: { email: demoEmail('acme', 'read_only'), password, tenant: 'acme' }, ip: '192.0.2.77' });
    const failed = [await attempt('Wrong-password-1'), await attempt('Wrong-password-2')];
    expect(failed.map((r) => r.status)).toEqual([401, 401]);
    for (const r of failed) {
      expect(policies(r)).toMatch(/"login";q=5;w=900/);
      expect(policies(r)).toMatch(/"login-ip";q=100;w=900/);
      expect(policies(r)).toMatch(/"ip";q=1000;w=60/);
    }
    expect(failed.map((r) => remaining(r, 'login'))).toEqual([4, 3]);
    const ok = await attempt(DEMO_PASSWORD);
    expect(ok.status).toBe(200);
    expect(remaining(ok, 'login')).toBe(5);
    expect(remaining(ok, 'login-ip')).toBe(98);
  });
});

describe('per API key', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ RATE_LIMIT_API_KEY_PER_MINUTE: '4' });
  });

  it('gives each key its own counter: the default, or the limit set on the key', async () => {
    const admin = await h.login('acme', 'tenant_admin');
    const tight = await createKey(h, admin.accessToken, { scopes: ['leads:read'], rateLimitPerMinute: 2 });
    const loose = await createKey(h, admin.accessToken, { scopes: ['leads:read'] });
    const a = [await h.request('GET', '/api/leads', { token: tight.secret }), await h.request('GET', '/api/leads', { token: tight.secret })];
    expect(a.map((r) => r.status)).toEqual([200, 200]);
    expect(policies(a[0] as Response)).toMatch(/"api-key";q=2;w=60/);
    expect(a.map((r) => remaining(r, 'api-key'))).toEqual([1, 0]);
    const refused = await h.request('GET', '/api/leads', { token: tight.secret });
    await expectError(refused, 429, 'rate_limit_exceeded');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('ratelimit')).toMatch(/"api-key";r=0;t=\d+/);
    // Another key of the same tenant is not affected, and uses the configured default.
    const other = await h.request('GET', '/api/leads', { token: loose.secret });
    expect(other.status).toBe(200);
    expect(policies(other)).toMatch(/"api-key";q=4;w=60/);
    // Nor is the admin who created them.
    expect((await h.request('GET', '/api/leads', { token: admin.accessToken })).status).toBe(200);
  });
});

describe('per tenant, by plan', () => {
  it("shares one budget among all of a tenant's credentials, sized by its plan", async () => {
    const h = await createHarness({
      RATE_LIMIT_TENANT_ENTERPRISE_PER_MINUTE: '5',
      RATE_LIMIT_TENANT_PRO_PER_MINUTE: '3',
      RATE_LIMIT_TENANT_FREE_PER_MINUTE: '2',
    });
    const manager = await h.login('acme', 'manager');
    const sales = await h.login('acme', 'sales_user');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await h.request('GET', '/api/leads', { token: i % 2 ? sales.accessToken : manager.accessToken })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await h.request('GET', '/api/leads', { token: sales.accessToken });
    expect((await expectError(refused, 429, 'rate_limit_exceeded')).message).toContain('tenant');
    expect(policies(refused)).toMatch(/"tenant";q=5;w=60/);
    // Another tenant has its own budget; on the free plan it is the free one.
    const other = await h.login('mycompany', 'manager');
    await h.raw.query(`update tenants set plan = 'free' where slug = 'mycompany'`);
    const free = [await h.request('GET', '/api/leads', { token: other.accessToken }), await h.request('GET', '/api/leads', { token: other.accessToken })];
    expect(free.map((r) => r.status)).toEqual([200, 200]);
    expect(policies(free[0] as Response)).toMatch(/"tenant";q=2;w=60/);
    await expectError(await h.request('GET', '/api/leads', { token: other.accessToken }), 429, 'rate_limit_exceeded');
  });
});

/** An access token for a seeded user, signed like the app does (login itself is refused during an outage). */
async function tokenFor(h: Harness, slug: string) {
  const [u] = await h.raw.query<{ id: string; tenant_id: string; role: 'manager'; token_version: number }>(
    'select id, tenant_id, role, token_version from users where email = $1',
    [demoEmail(slug, 'manager')],
  );
  if (!u) throw new Error('no user');
  return new TokenService(loadConfig({ ...TEST_ENV })).signAccess({ userId: u.id, tenantId: u.tenant_id, role: u.role, tokenVersion: u.token_version });
}

describe('store outage', () => {
  it.each([
    ['Redis', (port: number) => redisRateLimitStore({ url: `redis://127.0.0.1:${port}`, timeoutMs: 300 })],
    ['Upstash', (port: number) => upstashRateLimitStore({ url: `http://127.0.0.1:${port}`, token: 'x', timeoutMs: 300 })],
  ])('%s unreachable: login fails closed (503), the API fails open with a logged warning', async (_name, make) => {
    const store = make(await closedPort());
    const h = await createHarness({}, { rateLimits: store });
    try {
      const login = await h.request('POST', '/api/auth/login', { body: { email: demoEmail('acme', 'manager'), password: DEMO_PASSWORD, tenant: 'acme' } });
      await expectError(login, 503, 'service_unavailable');
      const started = performance.now();
      const res = await h.request('GET', '/api/leads', { token: await tokenFor(h, 'acme') });
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(res.headers.get('ratelimit-policy')).toBeNull();
      expect((await h.request('GET', '/health')).status).toBe(200);
      const warnings = h.logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn' && l.msg === 'rate limit store unavailable; allowing request');
      expect(warnings.map((w) => w.policies)).toEqual(expect.arrayContaining([['ip'], ['user', 'tenant'], ['ip']]));
    } finally {
      await store.close?.();
    }
  });
});

const redis = await localRedis();
if ('skip' in redis) console.warn(`[rate-limits] skipping the shared-store tests: ${redis.skip}`);

describe.skipIf('skip' in redis)('two app instances sharing one store', () => {
  let bridge: UpstashBridge;
  const stores: RateLimitStore[] = [];
  beforeAll(async () => {
    bridge = await startUpstashBridge((redis as { url: string }).url);
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close?.()));
    await bridge.close();
  });

  const kinds: [string, (prefix: string) => RateLimitStore][] = [
    ['Redis', (prefix) => redisRateLimitStore({ url: (redis as { url: string }).url, timeoutMs: 1_000, prefix: `${prefix}:` })],
    ['Upstash', (prefix) => upstashRateLimitStore({ url: bridge.url, token: bridge.token, timeoutMs: 1_000, prefix })],
  ];

  it.each(kinds)('%s: per-IP and per-key limits are one combined limit across both instances', async (_name, make) => {
    const prefix = `test:${crypto.randomUUID()}`;
    const [storeA, storeB] = [make(prefix), make(prefix)] as [RateLimitStore, RateLimitStore];
    stores.push(storeA, storeB);
    const env = { RATE_LIMIT_IP_PER_MINUTE: '6' };
    const a = await createHarness(env, { rateLimits: storeA });
    // The second instance: same database, its own app and its own client to the same store.
    const b = createApp({
      config: loadConfig({ ...TEST_ENV, ...env }),
      db: a.db,
      hasher: nativeHasher,
      rateLimits: storeB,
      notifier: { sendEmail: async () => {} },
      logger: createLogger('silent'),
      peerIp: (c) => c.req.header('x-test-peer') ?? '127.0.0.1',
    });
    const viaB = (path: string, headers: Record<string, string>) => Promise.resolve(b.request(`http://api.crm.test${path}`, { headers }));

    const ip = '198.51.100.23';
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = i % 2 ? await viaB('/health', { 'x-test-peer': ip }) : await a.request('GET', '/health', { ip });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);

    const admin = await a.login('acme', 'tenant_admin');
    const { secret } = await createKey(a, admin.accessToken, { scopes: ['leads:read'], rateLimitPerMinute: 4 });
    const seen: Response[] = [];
    for (let i = 0; i < 5; i++) {
      const headers = { authorization: `Bearer ${secret}`, 'x-test-peer': `203.0.113.${i}` };
      seen.push(i % 2 ? await viaB('/api/leads', headers) : await a.request('GET', '/api/leads', { token: secret, ip: `203.0.113.${i}` }));
    }
    expect(seen.map((r) => r.status)).toEqual([200, 200, 200, 200, 429]);
    expect(seen.slice(0, 4).map((r) => remaining(r, 'api-key'))).toEqual([3, 2, 1, 0]);
    expect((await json(seen[4] as Response)).error).toBe('rate_limit_exceeded');
  });
});
