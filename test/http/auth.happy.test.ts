import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DEMO_PASSWORD, type Harness, json } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

const newTenant = { tenantName: 'Globex', tenantSlug: 'globex', name: 'Hank Scorpio', email: 'Hank@Globex.example', password: 'volcano-lair-2026' };

describe('auth happy paths', () => {
  it('registers a tenant with its first admin in one step and returns usable tokens', async () => {
    const res = await h.request('POST', '/api/auth/register', { body: newTenant });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(res.headers.get('location')).toBe(`/api/users/${data.user.id}`);
    expect(data.tenant).toMatchObject({ slug: 'globex', name: 'Globex', plan: 'free', status: 'active' });
    expect(data.user).toMatchObject({ email: 'hank@globex.example', role: 'tenant_admin', status: 'active' });
    expect(data.user).not.toHaveProperty('passwordHash');
    const me = await h.request('GET', '/api/auth/me', { token: data.tokens.accessToken });
    expect(me.status).toBe(200);
    const body = await json(me);
    expect(body.data.user.id).toBe(data.user.id);
    expect(body.data.tenant.slug).toBe('globex');
    expect(body.data.permissions.users).toContain('admin');
    const stored = await h.raw.query<{ password_hash: string }>('select password_hash from users where id = $1', [data.user.id]);
    expect(stored[0]?.password_hash).toMatch(/^\$2[aby]\$1\d\$/);
  });

  it('refuses a taken slug with 409 and creates nothing', async () => {
    const before = await h.raw.query<{ n: string }>('select count(*)::text as n from users');
    const res = await h.request('POST', '/api/auth/register', { body: { ...newTenant, tenantSlug: 'acme', email: 'x@y.example' } });
    expect(res.status).toBe(409);
    expect((await json(res)).error).toBe('conflict');
    const after = await h.raw.query<{ n: string }>('select count(*)::text as n from users');
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it('logs in with the tenant from the header, the subdomain or the body, and records last login', async () => {
    const viaHeader = await h.request('POST', '/api/auth/login', {
      headers: { 'x-tenant-id': 'acme' },
      body: { email: 'manager@acme.example', password: DEMO_PASSWORD },
    });
    expect(viaHeader.status).toBe(200);
    const viaHost = await h.request('POST', '/api/auth/login', {
      host: 'acme.crm.test',
      body: { email: 'MANAGER@acme.example', password: DEMO_PASSWORD },
      ip: '203.0.113.9',
    });
    expect(viaHost.status).toBe(200);
    const { data } = await json(viaHost);
    const rows = await h.raw.query<{ last_login_ip: string; last_login_at: Date }>('select last_login_ip, last_login_at from users where id = $1', [
      data.user.id,
    ]);
    expect(rows[0]?.last_login_ip).toBe('203.0.113.9');
    expect(rows[0]?.last_login_at).not.toBeNull();
    const audit = await h.raw.query('select * from audit_logs where action = $1 and actor_id = $2', ['user.login', data.user.id]);
    expect(audit.length).toBeGreaterThanOrEqual(2);
  });

  it('rotates refresh tokens: the new pair works, the old refresh token does not', async () => {
    const s = await h.login('acme', 'sales_user');
    const res = await h.request('POST', '/api/auth/refresh', { body: { refreshToken: s.refreshToken } });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data.tokens.refreshToken).not.toBe(s.refreshToken);
    expect((await h.request('GET', '/api/auth/me', { token: data.tokens.accessToken })).status).toBe(200);
    const again = await h.request('POST', '/api/auth/refresh', { body: { refreshToken: data.tokens.refreshToken } });
    expect(again.status).toBe(200);
  });

  it('logout revokes the session family', async () => {
    const s = await h.login('acme', 'support_user');
    const out = await h.request('POST', '/api/auth/logout', { token: s.accessToken, body: { refreshToken: s.refreshToken } });
    expect(out.status).toBe(204);
    const res = await h.request('POST', '/api/auth/refresh', { body: { refreshToken: s.refreshToken } });
    expect(res.status).toBe(401);
    expect((await json(res)).error).toBe('unauthorized');
  });
});
