import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { nativeHasher } from '../../src/lib/passwords-native.ts';
import { memoryRateLimitStore } from '../../src/lib/rate-limit.ts';
import { createHarness, DEMO_PASSWORD, type Harness, json, type Session, TEST_ENV } from '../harness.ts';

let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness({ CORS_ORIGINS: 'https://app.example.com', BODY_LIMIT_BYTES: '2048' });
  h.app.get('/__boom', () => {
    throw new Error('relation "secret_table" does not exist: select * from secret_table');
  });
  admin = await h.login('acme', 'tenant_admin');
});

function expectErrorShape(body: Record<string, unknown>, code: string) {
  expect(body.error).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(typeof body.requestId).toBe('string');
  expect(new Date(body.timestamp as string).toISOString()).toBe(body.timestamp);
}

describe('errors are always the spec JSON', () => {
  it('404 for unknown routes', async () => {
    const res = await h.request('GET', '/api/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expectErrorShape(await json(res), 'not_found');
  });

  it('405 with Allow for a known path and wrong method', async () => {
    const res = await h.request('DELETE', '/api/auth/login');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('POST');
    expectErrorShape(await json(res), 'method_not_allowed');
  });

  it('413 for a body over the limit, and nothing is created', async () => {
    const res = await h.request('POST', '/api/auth/register', {
      body: { tenantName: 'x'.repeat(5000), tenantSlug: 'big-one', name: 'n', email: 'a@b.example', password: 'long-enough-pw-1' },
    });
    expect(res.status).toBe(413);
    expectErrorShape(await json(res), 'payload_too_large');
    expect(await h.raw.query(`select 1 from tenants where slug = 'big-one'`)).toEqual([]);
  });

  it('415 for a body that is not JSON', async () => {
    const res = await h.request('POST', '/api/auth/login', { body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expectErrorShape(await json(res), 'unsupported_media_type');
  });

  it.each([
    ['malformed JSON', '{"email": "a@b.example",'],
    ['a NUL character', JSON.stringify({ email: 'a@b.example', password: 'abc\u0000def', tenant: 'acme' })],
    ['a __proto__ key', '{"email":"a@b.example","password":"x","__proto__":{"admin":true}}'],
  ])('400 validation_error for %s', async (_name, raw) => {
    const res = await h.request('POST', '/api/auth/login', { body: raw });
    expect(res.status).toBe(400);
    expectErrorShape(await json(res), 'validation_error');
  });

  it('400 for invalid UTF-8', async () => {
    const res = await h.app.request('http://api.crm.test/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    expect(res.status).toBe(400);
    expectErrorShape(await json(res), 'validation_error');
  });

  it('500 without stack traces or SQL', async () => {
    const res = await h.request('GET', '/__boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expectErrorShape(JSON.parse(text), 'internal_error');
    expect(text).not.toMatch(/secret_table|select|\.ts:|at /);
    // The detail goes to the server log instead.
    expect(h.logs.some((l) => l.includes('secret_table'))).toBe(true);
  });

  it('401 unauthorized for a missing token on a protected route', async () => {
    const res = await h.request('GET', '/api/users');
    expect(res.status).toBe(401);
    expectErrorShape(await json(res), 'unauthorized');
  });
});

describe('request id, headers, CORS', () => {
  it('honours a well-formed X-Request-ID and echoes it', async () => {
    const res = await h.request('GET', '/health', { headers: { 'x-request-id': 'client-req-12345678' } });
    expect(res.headers.get('x-request-id')).toBe('client-req-12345678');
  });

  it('replaces a malformed X-Request-ID with a generated one', async () => {
    const res = await h.request('GET', '/api/nope', { headers: { 'x-request-id': 'bad id with spaces <script>' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await json(res)).requestId).toBe(id);
  });

  it('sets security headers on every response', async () => {
    for (const path of ['/health', '/api/nope']) {
      const res = await h.request('GET', path);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('allows only configured CORS origins', async () => {
    const ok = await h.request('OPTIONS', '/api/auth/login', {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const evil = await h.request('OPTIONS', '/api/auth/login', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a cross-origin request with its CORS headers, a same-origin one with none (hono cors added them to every response, at a measurable CPU cost), and every response says it varies by Origin', async () => {
    const cross = await h.request('GET', '/health', { headers: { origin: 'https://app.example.com' } });
    expect(cross.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(cross.headers.get('access-control-expose-headers')).toContain('X-Request-ID');
    expect(cross.headers.get('vary')).toBe('Origin');
    for (const res of [await h.request('GET', '/health'), await h.request('GET', '/api/nope')]) {
      expect(res.headers.get('vary')).toBe('Origin');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-expose-headers')).toBeNull();
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('logs one structured line per request without secrets', async () => {
    const before = h.logs.length;
    await h.request('POST', '/api/auth/login', {
      body: { email: 'admin@acme.example', password: DEMO_PASSWORD },
      headers: { 'x-request-id': 'log-probe-12345678', 'x-tenant-id': 'acme' },
    });
    const lines = h.logs.slice(before).map((l) => JSON.parse(l));
    const line = lines.find((l) => l.requestId === 'log-probe-12345678' && l.msg === 'request');
    expect(line).toMatchObject({ method: 'POST', path: '/api/auth/login', status: 200 });
    expect(line.tenantId).toBeTruthy();
    const all = h.logs.join('\n');
    expect(all).not.toContain(DEMO_PASSWORD);
    expect(all).not.toContain(admin.accessToken);
    expect(all).not.toContain(admin.refreshToken);
    expect(all).not.toMatch(/\$2[aby]\$/);
  });
});

describe('rate limit', () => {
  it('limits per client IP with RateLimit headers and Retry-After', async () => {
    const limited = await createHarness({ RATE_LIMIT_IP_PER_MINUTE: '3' });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await limited.request('GET', '/health', { ip: '203.0.113.77' });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last?.headers.get('ratelimit')).toMatch(/"ip";r=0;t=\d+/);
    expectErrorShape(await json(last as Response), 'rate_limit_exceeded');
    expect((await limited.request('GET', '/health', { ip: '203.0.113.78' })).status).toBe(200);
  });
});

describe('operations', () => {
  it('serves /health, /ready, /openapi.json and /docs', async () => {
    expect(await json(await h.request('GET', '/health'))).toEqual({ status: 'ok' });
    expect(await json(await h.request('GET', '/ready'))).toEqual({ status: 'ready' });
    const doc = await json(await h.request('GET', '/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/api/auth/login', '/api/auth/register', '/api/users', '/api/users/{id}', '/api/users/invitations', '/api/security-events']) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(doc.components.schemas.Error).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const docs = await h.request('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });

  it('answers 503 service_unavailable (and /ready 503) when the database is unreachable', async () => {
    const { database } = openPostgres({ url: 'postgres://crm@127.0.0.1:1/none' });
    const config = loadConfig({ ...TEST_ENV });
    const app = createApp({
      config,
      db: database,
      hasher: nativeHasher,
      rateLimits: memoryRateLimitStore(),
      notifier: { sendEmail: async () => {} },
      logger: createLogger('silent'),
      peerIp: () => '127.0.0.1',
    });
    const ready = await app.request('/ready');
    expect(ready.status).toBe(503);
    const res = await app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': 'acme' },
      body: JSON.stringify({ email: 'a@b.example', password: 'whatever-123' }),
    });
    expect(res.status).toBe(503);
    expectErrorShape(await json(res), 'service_unavailable');
    await database.close();
  });
});
