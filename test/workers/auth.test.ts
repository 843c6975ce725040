import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * Runs inside workerd: requests go through src/worker.ts (bindings from
 * wrangler.toml plus test/workers/global-setup.ts) and the real Neon driver,
 * over the local bridges, to a fresh Postgres database.
 */
const { skip } = inject('workers');

interface Session {
  user: { id: string; email: string; role: string };
  tenant: { id: string; slug: string };
  tokens: { accessToken: string; refreshToken: string };
}

async function call(method: string, path: string, init: { body?: unknown; token?: string; tenant?: string } = {}) {
  const headers = new Headers({ 'CF-Connecting-IP': '203.0.113.7' });
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  if (init.tenant) headers.set('X-Tenant-ID', init.tenant);
  const res = await exports.default.fetch(
    new Request(`http://localhost${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }),
  );
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const password = 'worker-tests-Pa55phrase';
const register = (slug: string) =>
  call('POST', '/api/auth/register', {
    body: { tenantName: `Tenant ${slug}`, tenantSlug: slug, name: 'Ada Admin', email: `ada@${slug}.example`, password },
  });

describe.skipIf(skip)('Worker entry on workerd, Neon driver, Postgres', () => {
  let alpha: Session;
  let beta: Session;

  beforeAll(async () => {
    const [a, b] = await Promise.all([register('wk-alpha'), register('wk-beta')]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    alpha = a.body.data;
    beta = b.body.data;
  });

  it('answers readiness through the Neon HTTP path', async () => {
    expect(await call('GET', '/ready')).toMatchObject({ status: 200 });
  });

  it('registers a tenant and its admin', () => {
    expect(alpha.tenant.slug).toBe('wk-alpha');
    expect(alpha.user).toMatchObject({ email: 'ada@wk-alpha.example', role: 'tenant_admin' });
  });

  it('rejects a duplicate slug as a conflict', async () => {
    const res = await register('wk-alpha');
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('conflict');
  });

  it('logs in (bcryptjs in workerd) and reads /api/auth/me', async () => {
    const login = await call('POST', '/api/auth/login', { body: { email: 'ada@wk-alpha.example', password, tenant: 'wk-alpha' } });
    expect(login.status).toBe(200);
    const me = await call('GET', '/api/auth/me', { token: login.body.data.tokens.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.data.user.id).toBe(alpha.user.id);
    expect(me.body.data.tenant.id).toBe(alpha.tenant.id);

    const wrong = await call('POST', '/api/auth/login', { body: { email: 'ada@wk-alpha.example', password: 'not-the-password', tenant: 'wk-alpha' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_credentials');
  });

  it('rotates refresh tokens and revokes the family on reuse', async () => {
    const first = alpha.tokens.refreshToken;
    const rotated = await call('POST', '/api/auth/refresh', { body: { refreshToken: first } });
    expect(rotated.status).toBe(200);
    const second = rotated.body.data.tokens.refreshToken;
    expect(second).not.toBe(first);

    const reuse = await call('POST', '/api/auth/refresh', { body: { refreshToken: first } });
    expect(reuse.status).toBe(401);
    // Reuse revoked the whole family, the newest token included.
    const after = await call('POST', '/api/auth/refresh', { body: { refreshToken: second } });
    expect(after.status).toBe(401);
  });

  it("refuses another tenant's X-Tenant-ID with tenant_mismatch", async () => {
    const res = await call('GET', '/api/auth/me', { token: beta.tokens.accessToken, tenant: 'wk-alpha' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'tenant_mismatch', requestId: expect.any(String) });
    // Recorded (over the WebSocket transaction path) where the targeted tenant's admins see it.
    const events = await call('GET', '/api/security-events?type=tenant_mismatch', { token: alpha.tokens.accessToken });
    expect(events.status).toBe(200);
    expect(events.body.data).toEqual([expect.objectContaining({ type: 'tenant_mismatch', requestId: res.body.requestId })]);
    const own = await call('GET', '/api/auth/me', { token: beta.tokens.accessToken, tenant: 'wk-beta' });
    expect(own.status).toBe(200);
  });
});
