import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createHarness, DEMO_PASSWORD, demoEmail, type Harness, json } from '../harness.ts';

let h: Harness;
/** While set, emails wait for it before they are captured, as a slow provider would make them. */
let held: Promise<void> | null = null;
beforeAll(async () => {
  h = await createHarness(
    {},
    {
      notifier: {
        async sendEmail(m) {
          await held;
          h.emails.push(m);
        },
      },
    },
  );
});

let ip = 0;
const forgot = (email: string, tenant: string | undefined = 'acme', headers: Record<string, string> = {}) =>
  h.request('POST', '/api/auth/password/forgot', { body: tenant ? { email, tenant } : { email }, ip: `198.19.0.${++ip}`, headers });
const reset = (token: string, password: string, headers: Record<string, string> = {}) =>
  h.request('POST', '/api/auth/password/reset', { body: { token, password }, headers });

async function tokenFor(email: string): Promise<string> {
  const mine = () => h.emails.filter((e) => e.to === email && e.subject.startsWith('Reset your'));
  await vi.waitFor(() => expect(mine().length).toBeGreaterThan(0));
  return decodeURIComponent(/token=(\S+)/.exec(mine().at(-1)!.text)![1]!);
}

describe('password reset: no enumeration', () => {
  it('answers unknown emails, inactive users and unknown tenants exactly like a real account, and emails only the real one', async () => {
    const acme = await h.tenantId('acme');
    await h.raw.query(`insert into users (tenant_id, email, name, role, status) values ($1, 'off@acme.example', 'Off', 'sales_user', 'inactive')`, [acme]);
    const real = await forgot(demoEmail('acme', 'manager'));
    const answers = [real, await forgot('nobody@acme.example'), await forgot('off@acme.example'), await forgot('a@b.example', 'no-such-tenant')];
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(bodies).size).toBe(1);
    await tokenFor(demoEmail('acme', 'manager'));
    // Give any stray background work the same chance to finish, then check nothing else went out.
    await new Promise((r) => setTimeout(r, 300));
    expect(h.emails.filter((e) => e.subject.startsWith('Reset your')).map((e) => e.to)).toEqual([demoEmail('acme', 'manager')]);
    const [rows] = await h.raw.query<{ n: number }>('select count(*)::int as n from password_resets');
    expect(rows?.n).toBe(1);
  });

  it('answers before the reset is issued and emailed, so the time taken says nothing about the account', async () => {
    const email = demoEmail('acme', 'read_only');
    let release!: () => void;
    held = new Promise((resolve) => (release = resolve));
    try {
      // A handler that waited for the email would still be waiting when the timer fires.
      const answer = await Promise.race([forgot(email), new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 10_000))]);
      expect(answer).not.toBe('waiting');
      expect((answer as Response).status).toBe(202);
      expect(h.emails.some((e) => e.to === email)).toBe(false);
    } finally {
      release();
      held = null;
    }
    await tokenFor(email);
  });

  it('is rate limited like login, on its own counters: reset requests never lock the login', async () => {
    const email = demoEmail('acme', 'support_user');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await forgot(email)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    // Unknown addresses are counted the same, so 429 reveals nothing either.
    const ghost: number[] = [];
    for (let i = 0; i < 6; i++) ghost.push((await forgot('ghost-rl@acme.example')).status);
    expect(ghost).toEqual([202, 202, 202, 202, 202, 429]);
    const login = await h.request('POST', '/api/auth/login', { body: { email, password: DEMO_PASSWORD, tenant: 'acme' }, ip: '198.19.9.9' });
    expect(login.status).toBe(200);
  });

  it("refuses a body tenant that contradicts the request's tenant, as login does", async () => {
    const res = await forgot(demoEmail('acme', 'manager'), 'mycompany', { 'x-tenant-id': 'acme' });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('tenant_mismatch');
  });

  it('refuses a strict-schema violation', async () => {
    const res = await h.request('POST', '/api/auth/password/forgot', { body: { email: 'x@acme.example', tenant: 'acme', role: 'tenant_admin' } });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toBe('validation_error');
  });
});

describe('password reset: token checks', () => {
  it('refuses an expired token', async () => {
    const email = demoEmail('acme', 'sales_user');
    await forgot(email);
    const token = await tokenFor(email);
    await h.raw.query(`update password_resets set expires_at = now() - interval '1 second' where used_at is null`);
    const res = await reset(token, 'too-late-Passw0rd');
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: 'invalid_reset_token' });
  });

  it("refuses tenant A's token in tenant B: by host hint, and with B's id spliced into the token", async () => {
    const email = demoEmail('acme', 'tenant_admin');
    await forgot(email);
    const token = await tokenFor(email);
    const other = await h.tenantId('mycompany');
    for (const attempt of [
      reset(token, 'cross-tenant-Passw0rd', { 'x-tenant-id': 'mycompany' }),
      h.request('POST', '/api/auth/password/reset', { body: { token, password: 'cross-tenant-Passw0rd' }, host: 'mycompany.crm.test' }),
      reset(token.replace(/^pwr_[0-9a-f-]{36}/, `pwr_${other}`), 'cross-tenant-Passw0rd'),
    ]) {
      const res = await attempt;
      expect(res.status).toBe(400);
      expect((await json(res)).error).toBe('invalid_reset_token');
    }
    // Still good in its own tenant.
    expect((await reset(token, 'own-tenant-Passw0rd', { 'x-tenant-id': 'acme' })).status).toBe(204);
  });

  it('refuses the token of a user disabled since the request, and leaves it unspent', async () => {
    const email = demoEmail('mycompany', 'sales_user');
    await forgot(email, 'mycompany');
    const token = await tokenFor(email);
    await h.raw.query(`update users set status = 'inactive' where lower(email) = $1`, [email]);
    const res = await reset(token, 'disabled-user-Passw0rd');
    expect(res.status).toBe(400);
    expect((await json(res)).error).toBe('invalid_reset_token');
    const [row] = await h.raw.query<{ used_at: Date | null }>(
      'select r.used_at from password_resets r join users u on u.id = r.user_id where lower(u.email) = $1',
      [email],
    );
    expect(row?.used_at).toBeNull();
  });

  it('refuses unknown and malformed tokens with the same code and message', async () => {
    const acme = await h.tenantId('acme');
    const bodies = [];
    for (const token of ['nope', `pwr_${acme}.${'A'.repeat(43)}`, `inv_${acme}.${'A'.repeat(43)}`]) {
      const res = await reset(token, 'whatever-Passw0rd1');
      expect(res.status).toBe(400);
      const body = await json(res);
      bodies.push([body.error, body.message]);
    }
    expect(new Set(bodies.map((b) => b.join('|'))).size).toBe(1);
    expect(bodies[0]?.[0]).toBe('invalid_reset_token');
  });
});
