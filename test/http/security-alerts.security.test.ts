import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DEMO_PASSWORD, demoEmail, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let acmeId: string;
let otherId: string;
let acmeSales: Session;
beforeAll(async () => {
  h = await createHarness();
  acmeId = await h.tenantId('acme');
  otherId = await h.tenantId('mycompany');
  acmeSales = await h.login('acme', 'sales_user');
});

const failLogin = (email: string, i: number, tenant = 'acme') =>
  h.request('POST', '/api/auth/login', { body: { email, password: `Wrong-password-${i}`, tenant }, ip: `203.0.113.${i + 1}` });
const alertsTo = (tenant: string, kind: string) => h.emails.filter((e) => e.to === demoEmail(tenant, 'tenant_admin') && e.subject.includes(kind));

describe('security alerts: repeated failed logins', () => {
  it('the failure that locks an account emails the tenant admins once and records login_rate_limited', async () => {
    const email = demoEmail('acme', 'manager');
    for (let i = 0; i < 4; i++) expect((await failLogin(email, i)).status).toBe(401);
    expect(alertsTo('acme', 'repeated failed logins')).toHaveLength(0);
    expect((await failLogin(email, 4)).status).toBe(401);
    const alerts = alertsTo('acme', 'repeated failed logins');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toBe('[Acme Inc.] Security alert: repeated failed logins');
    expect(alerts[0]?.text).toContain(email);
    expect(alerts[0]?.text).not.toContain('Wrong-password');
    // Only admins are told; the attacked user and the other tenant are not.
    expect(h.emails.some((e) => e.to === email || e.to.endsWith('@mycompany.example'))).toBe(false);
    const events = await h.raw.query<{ details: { email: string } }>(
      `select details from security_events where tenant_id = $1 and type = 'login_rate_limited'`,
      [acmeId],
    );
    expect(events.map((e) => e.details.email)).toEqual([email]);
    // Attempts refused while locked send nothing more.
    expect((await failLogin(email, 5)).status).toBe(429);
    expect(alertsTo('acme', 'repeated failed logins')).toHaveLength(1);
  });

  it('is debounced per tenant and type: a second locked account in the interval is recorded but not emailed', async () => {
    const email = demoEmail('acme', 'read_only');
    for (let i = 10; i < 15; i++) expect((await failLogin(email, i)).status).toBe(401);
    expect(alertsTo('acme', 'repeated failed logins')).toHaveLength(1);
    const [row] = await h.raw.query<{ n: number }>(`select count(*)::int as n from security_events where tenant_id = $1 and type = 'login_rate_limited'`, [
      acmeId,
    ]);
    expect(row?.n).toBe(2);
    // Once the interval is over (its window forgotten here), the next lockout alerts again.
    await h.rateLimits.reset(`security-alert:failed_logins:${acmeId}`, 900);
    const third = demoEmail('acme', 'support_user');
    for (let i = 20; i < 25; i++) await failLogin(third, i);
    expect(alertsTo('acme', 'repeated failed logins')).toHaveLength(2);
  });

  it('unknown emails lock and alert the same way (the response never says which exist)', async () => {
    const before = alertsTo('mycompany', 'repeated failed logins').length;
    const statuses: number[] = [];
    for (let i = 30; i < 35; i++) statuses.push((await failLogin('nobody@mycompany.example', i, 'mycompany')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(alertsTo('mycompany', 'repeated failed logins')).toHaveLength(before + 1);
  });

  it('a correct login does not alert', async () => {
    const count = h.emails.length;
    const res = await h.request('POST', '/api/auth/login', {
      body: { email: demoEmail('mycompany', 'manager'), password: DEMO_PASSWORD, tenant: 'mycompany' },
      ip: '203.0.113.200',
    });
    expect(res.status).toBe(200);
    expect(h.emails.length).toBe(count);
  });
});

describe('security alerts: tenant mismatch', () => {
  it("alerts both tenants' admins once per interval, without naming the other tenant", async () => {
    const probe = () => h.request('GET', '/api/auth/me', { token: acmeSales.accessToken, headers: { 'x-tenant-id': 'mycompany' } });
    const res = await probe();
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('tenant_mismatch');
    const acme = alertsTo('acme', 'cross-tenant access attempt');
    const other = alertsTo('mycompany', 'cross-tenant access attempt');
    expect(acme).toHaveLength(1);
    expect(other).toHaveLength(1);
    expect(acme[0]?.text).toContain('GET /api/auth/me');
    expect(acme[0]?.text).not.toMatch(/mycompany|My Company/i);
    expect(other[0]?.text).not.toMatch(/acme/i);
    expect(other[0]?.text).not.toContain(otherId);
    // Ten more probes: every one is still recorded, no more emails.
    for (let i = 0; i < 10; i++) expect((await probe()).status).toBe(403);
    expect(alertsTo('acme', 'cross-tenant access attempt')).toHaveLength(1);
    expect(alertsTo('mycompany', 'cross-tenant access attempt')).toHaveLength(1);
    const [row] = await h.raw.query<{ n: number }>(`select count(*)::int as n from security_events where tenant_id = $1 and type = 'tenant_mismatch'`, [
      acmeId,
    ]);
    expect(row?.n).toBe(11);
  });

  it('a hint naming no tenant alerts only the credential tenant', async () => {
    await h.rateLimits.reset(`security-alert:tenant_mismatch:${acmeId}`, 900);
    await h.rateLimits.reset(`security-alert:tenant_mismatch:${otherId}`, 900);
    const res = await h.request('GET', '/api/auth/me', { token: acmeSales.accessToken, headers: { 'x-tenant-id': 'no-such-tenant' } });
    expect(res.status).toBe(403);
    expect(alertsTo('acme', 'cross-tenant access attempt')).toHaveLength(2);
    expect(alertsTo('mycompany', 'cross-tenant access attempt')).toHaveLength(1);
  });
});
