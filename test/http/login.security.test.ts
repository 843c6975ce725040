import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DEMO_PASSWORD, demoEmail, type Harness, json } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

const login = (email: string, password: string, ip = '192.0.2.1', headers: Record<string, string> = {}) =>
  h.request('POST', '/api/auth/login', { body: { email, password, tenant: 'acme' }, ip, headers });

async function timed(fn: () => Promise<Response>) {
  const start = performance.now();
  const res = await fn();
  return { ms: performance.now() - start, status: res.status };
}

describe('login', () => {
  it('answers unknown emails and wrong passwords identically, and in comparable time (bcrypt runs either way)', async () => {
    const known = demoEmail('acme', 'read_only');
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 4; i++) {
      const u = await timed(() => login(`ghost${i}@acme.example`, 'Wrong-password-123', `192.0.2.${100 + i}`));
      const w = await timed(() => login(known, `Wrong-password-${i}`, `192.0.2.${150 + i}`));
      expect(u.status).toBe(401);
      expect(w.status).toBe(401);
      unknown.push(u.ms);
      wrong.push(w.ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    // Without the dummy compare an unknown email returns in ~1 ms against ~50 ms for a bcrypt compare.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.5);
    const bodyA = await json(await login('nobody@acme.example', 'Wrong-password-123', '192.0.2.200'));
    const bodyB = await json(await login(demoEmail('acme', 'manager'), 'Wrong-password-123', '192.0.2.201'));
    expect([bodyA.error, bodyA.message]).toEqual([bodyB.error, bodyB.message]);
    // Failed attempts reset the known user's counter on success, so this one still works.
    expect((await login(known, DEMO_PASSWORD, '192.0.2.202')).status).toBe(200);
  });

  it('locks a tenant+email after 5 failures for 15 minutes, even with the right password, across IPs', async () => {
    const email = demoEmail('acme', 'support_user');
    for (let i = 0; i < 5; i++) expect((await login(email, 'Wrong-password-xyz', `198.51.100.${i}`)).status).toBe(401);
    const locked = await login(email, DEMO_PASSWORD, '198.51.100.99');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(locked.headers.get('ratelimit-policy')).toMatch(/"login";q=5;w=900/);
    expect((await json(locked)).error).toBe('rate_limit_exceeded');
    // The same email in another tenant is a different key.
    const other = await h.request('POST', '/api/auth/login', {
      body: { email: 'support@acme.example', password: DEMO_PASSWORD, tenant: 'mycompany' },
      ip: '198.51.100.98',
    });
    expect(other.status).toBe(401);
  });

  it('caps failures per IP, and a spoofed X-Forwarded-For does not reset the count', async () => {
    const limited = await createHarness({ RATE_LIMIT_LOGIN_PER_IP: '3' });
    const attempt = (i: number) =>
      limited.request('POST', '/api/auth/login', {
        body: { email: `user${i}@acme.example`, password: 'Wrong-password-xyz', tenant: 'acme' },
        ip: '203.0.113.50',
        headers: { 'x-forwarded-for': `10.9.9.${i}` },
      });
    for (let i = 0; i < 3; i++) expect((await attempt(i)).status).toBe(401);
    expect((await attempt(10)).status).toBe(429);
  });

  it('checks account status only after the password matched', async () => {
    const admin = await h.login('acme', 'tenant_admin');
    const target = await h.raw.query<{ id: string }>('select id from users where email = $1', [demoEmail('acme', 'sales_user')]);
    const patch = await h.request('PATCH', `/api/users/${target[0]?.id}`, { token: admin.accessToken, body: { status: 'inactive' } });
    expect(patch.status).toBe(200);
    const wrong = await login(demoEmail('acme', 'sales_user'), 'Wrong-password-xyz', '192.0.2.50');
    expect((await json(wrong)).error).toBe('invalid_credentials');
    const right = await login(demoEmail('acme', 'sales_user'), DEMO_PASSWORD, '192.0.2.51');
    expect(right.status).toBe(403);
    expect((await json(right)).error).toBe('account_disabled');
  });

  it('rejects unknown fields, bad emails and oversized passwords with 400 before touching the database', async () => {
    const res = await h.request('POST', '/api/auth/login', { body: { email: 'not-an-email', password: 'x', role: 'tenant_admin' } });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toBe('validation_error');
    expect(body.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'role']);
  });

  it('fails closed when the rate-limit store is down', async () => {
    const down = await createHarness();
    down.rateLimits.peek = async () => {
      throw new Error('store unreachable');
    };
    const res = await down.request('POST', '/api/auth/login', {
      body: { email: demoEmail('acme', 'manager'), password: DEMO_PASSWORD, tenant: 'acme' },
    });
    expect(res.status).toBe(503);
    expect((await json(res)).error).toBe('service_unavailable');
  });
});

describe('register password rules', () => {
  it.each([
    ['too short', 'short-1'],
    ['too common', 'password123'],
    ['over 72 bytes', 'é'.repeat(37)],
  ])('rejects a password that is %s', async (_why, password) => {
    const res = await h.request('POST', '/api/auth/register', {
      body: { tenantName: 'T', tenantSlug: `t-${Date.now()}`, name: 'N', email: 'n@t.example', password },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).details[0].field).toBe('password');
  });
});
