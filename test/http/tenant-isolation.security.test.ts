import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DEMO_PASSWORD, demoEmail, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let acmeAdmin: Session;
let myAdmin: Session;
beforeAll(async () => {
  h = await createHarness();
  acmeAdmin = await h.login('acme', 'tenant_admin');
  myAdmin = await h.login('mycompany', 'tenant_admin');
});

const stable = (body: Record<string, unknown>) => ({ error: body.error, message: body.message, keys: Object.keys(body).sort() });

describe('tenant isolation', () => {
  it("answers another tenant's record exactly like a missing one", async () => {
    const foreign = await h.request('GET', `/api/users/${myAdmin.userId}`, { token: acmeAdmin.accessToken });
    const missing = await h.request('GET', `/api/users/${crypto.randomUUID()}`, { token: acmeAdmin.accessToken });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(stable(await json(foreign))).toEqual(stable(await json(missing)));
  });

  it('lists only the caller tenant users', async () => {
    const res = await h.request('GET', '/api/users?limit=100', { token: acmeAdmin.accessToken });
    const { data } = await json(res);
    expect(data.length).toBe(5);
    expect(data.every((u: { email: string }) => u.email.endsWith('@acme.example'))).toBe(true);
  });

  it.each([
    ['X-Tenant-ID slug', { headers: { 'x-tenant-id': 'mycompany' } }, '/api/auth/me'],
    ['X-Tenant-ID id', 'mycompany-id', '/api/auth/me'],
    ['tenantId query', {}, '/api/auth/me?tenantId=mycompany'],
    ['subdomain', { host: 'mycompany.crm.test' }, '/api/auth/me'],
    ['api subdomain', { host: 'api.mycompany.crm.test' }, '/api/auth/me'],
    ['unknown tenant', { headers: { 'x-tenant-id': 'no-such-tenant' } }, '/api/auth/me'],
  ])('refuses a token of acme with a %s hint of another tenant: 403 tenant_mismatch', async (_name, init, path) => {
    const options = init === 'mycompany-id' ? { headers: { 'x-tenant-id': await h.tenantId('mycompany') } } : (init as Record<string, unknown>);
    const res = await h.request('GET', path, { ...options, token: acmeAdmin.accessToken });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('tenant_mismatch');
  });

  it('stores a security event that the admins of both tenants can list', async () => {
    const res = await h.request('GET', '/api/users', {
      token: acmeAdmin.accessToken,
      headers: { 'x-tenant-id': 'mycompany', 'x-request-id': 'mismatch-probe-0001' },
      ip: '198.51.100.7',
    });
    expect(res.status).toBe(403);
    const acmeId = await h.tenantId('acme');
    const myId = await h.tenantId('mycompany');
    for (const admin of [acmeAdmin, myAdmin]) {
      const list = await json(await h.request('GET', '/api/security-events?type=tenant_mismatch', { token: admin.accessToken }));
      const event = list.data.find((e: { requestId: string }) => e.requestId === 'mismatch-probe-0001');
      expect(event).toMatchObject({
        type: 'tenant_mismatch',
        userId: acmeAdmin.userId,
        credentialTenantId: acmeId,
        requestedTenant: myId,
        ip: '198.51.100.7',
      });
    }
    const sales = await h.login('acme', 'sales_user');
    expect((await h.request('GET', '/api/security-events', { token: sales.accessToken })).status).toBe(403);
  });

  it('resolves acme from acme.<domain> and api.acme.<domain>, and keeps mycompany separate', async () => {
    for (const host of ['acme.crm.test', 'api.acme.crm.test']) {
      const res = await h.request('POST', '/api/auth/login', {
        host,
        body: { email: demoEmail('acme', 'read_only'), password: DEMO_PASSWORD },
      });
      expect(res.status).toBe(200);
      expect((await json(res)).data.tenant.slug).toBe('acme');
      const me = await h.request('GET', '/api/auth/me', { host, token: acmeAdmin.accessToken });
      expect((await json(me)).data.tenant.slug).toBe('acme');
    }
    const wrong = await h.request('POST', '/api/auth/login', {
      host: 'mycompany.crm.test',
      body: { email: demoEmail('acme', 'read_only'), password: DEMO_PASSWORD },
    });
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).error).toBe('invalid_credentials');
  });

  it('refuses a body tenant that contradicts the subdomain', async () => {
    const res = await h.request('POST', '/api/auth/login', {
      host: 'acme.crm.test',
      body: { email: demoEmail('mycompany', 'read_only'), password: DEMO_PASSWORD, tenant: 'mycompany' },
    });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('tenant_mismatch');
  });

  it('refuses a refresh token presented under another tenant', async () => {
    const s = await h.login('acme', 'manager');
    const res = await h.request('POST', '/api/auth/refresh', { host: 'mycompany.crm.test', body: { refreshToken: s.refreshToken } });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('tenant_mismatch');
  });
});
