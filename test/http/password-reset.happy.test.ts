import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createHarness, demoEmail, type Harness, json } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

let ip = 0;
const forgot = (email: string, tenant = 'acme') => h.request('POST', '/api/auth/password/forgot', { body: { email, tenant }, ip: `198.18.0.${++ip}` });
const reset = (token: string, password: string, headers: Record<string, string> = {}) =>
  h.request('POST', '/api/auth/password/reset', { body: { token, password }, headers });
const login = (email: string, password: string, tenant = 'acme') =>
  h.request('POST', '/api/auth/login', { body: { email, password, tenant }, ip: `198.18.1.${++ip}` });

/** The link is emailed after the 202 is sent: wait for it. */
async function resetTokenFor(email: string, count = 1): Promise<string> {
  await vi.waitFor(() => expect(h.emails.filter((e) => e.to === email && e.subject.startsWith('Reset your'))).toHaveLength(count));
  const mail = h.emails.filter((e) => e.to === email && e.subject.startsWith('Reset your')).at(-1)!;
  const match = /\/password\/reset\?token=(\S+)/.exec(mail.text);
  return decodeURIComponent(match![1]!);
}

describe('password reset', () => {
  it('emails a single-use link; the reset sets the password, signs the user out everywhere and is audited', async () => {
    const email = demoEmail('acme', 'sales_user');
    const session = await h.login('acme', 'sales_user');
    const res = await forgot(email);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ data: { message: 'If this email belongs to an active account, a reset link has been sent.' } });
    const token = await resetTokenFor(email);
    expect(token).toMatch(/^pwr_[0-9a-f-]{36}\./);
    const mail = h.emails.filter((e) => e.to === email).at(-1)!;
    expect(mail.subject).toBe('Reset your Acme Inc. password');
    expect(mail.text).toContain('http://api.crm.test/password/reset?token=');
    // Only the hash is stored, with the configured one-hour expiry.
    const [row] = await h.raw.query<{ token_hash: string; ttl: number; used_at: Date | null }>(
      `select token_hash, extract(epoch from expires_at - created_at)::int as ttl, used_at from password_resets where user_id = $1`,
      [session.userId],
    );
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.token_hash).not.toContain(token);
    expect(Math.abs((row?.ttl ?? 0) - 3600)).toBeLessThanOrEqual(1);

    const done = await reset(token, 'brand-new-Passw0rd');
    expect(done.status).toBe(204);
    expect((await login(email, 'brand-new-Passw0rd')).status).toBe(200);
    expect((await login(email, 'DemoPass!2026')).status).toBe(401);
    // The old session is gone: its refresh token is revoked, its access token outdated.
    const refreshed = await h.request('POST', '/api/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refreshed.status).toBe(401);
    expect((await h.request('GET', '/api/auth/me', { token: session.accessToken })).status).toBe(401);
    const audits = await h.raw.query<{ action: string; actor_id: string }>(
      `select action, actor_id from audit_logs where resource_id = $1 and action like 'user.password_reset%' order by created_at`,
      [session.userId],
    );
    expect(audits.map((a) => a.action)).toEqual(['user.password_reset_requested', 'user.password_reset']);
    expect(audits.every((a) => a.actor_id === session.userId)).toBe(true);

    // Single use.
    const again = await reset(token, 'another-new-Passw0rd');
    expect(again.status).toBe(400);
    expect((await json(again)).error).toBe('invalid_reset_token');
  });

  it('applies the registration password policy and leaves the token usable after a refused password', async () => {
    const email = demoEmail('acme', 'support_user');
    await forgot(email);
    const token = await resetTokenFor(email);
    for (const weak of ['short', 'password123', 'x'.repeat(73)]) {
      const res = await reset(token, weak);
      expect(res.status).toBe(400);
      expect((await json(res)).error).toBe('validation_error');
    }
    expect((await reset(token, 'a-fine-password-42')).status).toBe(204);
  });

  it('a newer link does not revive an older one after a reset: every outstanding link is spent', async () => {
    const email = demoEmail('acme', 'read_only');
    await forgot(email);
    const first = await resetTokenFor(email, 1);
    await forgot(email);
    const second = await resetTokenFor(email, 2);
    expect(second).not.toBe(first);
    expect((await reset(second, 'second-link-Passw0rd')).status).toBe(204);
    expect((await json(await reset(first, 'first-link-Passw0rd'))).error).toBe('invalid_reset_token');
  });
});
