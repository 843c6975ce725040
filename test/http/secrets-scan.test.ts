import { beforeAll, describe, expect, it, vi } from 'vitest';
import { registerTenant } from '../billing-tenants.ts';
import { createHarness, DEMO_PASSWORD, type Harness, json, type Session } from '../harness.ts';
import { startReceiver } from './webhooks.helpers.ts';

/**
 * Issues every kind of secret the API hands out (passwords sent, access and
 * refresh tokens, API keys, invitation and password-reset tokens, webhook
 * signing secrets), then
 * scans everything that is kept or shown afterwards: every captured log line,
 * every audit_logs and security_events row, and the body of every response
 * that is not one of the few that hand a secret to its owner. Zero hits.
 */
let h: Harness;
const secrets = new Set<string>();
/** Bodies of responses that must never carry a secret. */
const scanned: { what: string; body: string }[] = [];

const keep = (...values: (string | null | undefined)[]) => {
  for (const v of values) if (v) secrets.add(v);
};

/** A request whose response body is scanned (everything but the secret-issuing responses). */
async function call(method: string, path: string, init: Parameters<Harness['request']>[2] = {}) {
  const res = await h.request(method, path, init);
  scanned.push({ what: `${method} ${path} → ${res.status}`, body: await res.clone().text() });
  return res;
}

const WRONG_PASSWORD = 'Not-The-Right-Passphrase-99';
const NEW_PASSWORD = 'Invitee-long-passphrase-31';
const REGISTER_PASSWORD = 'Plenty-long-passphrase-42';
const RESET_PASSWORD = 'Reset-long-passphrase-77';

beforeAll(async () => {
  h = await createHarness();
  keep(DEMO_PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, REGISTER_PASSWORD);
  const sessions: Session[] = Object.values(await h.loginAll('acme'));
  const admin = sessions[0] as Session;
  for (const s of sessions) keep(s.accessToken, s.refreshToken);
  keep((await registerTenant(h, 'scan-co')).token);

  // A failed login (wrong password) and a refresh.
  await call('POST', '/api/auth/login', { body: { email: 'admin@acme.example', password: WRONG_PASSWORD, tenant: 'acme' } });
  const refreshed = await h.request('POST', '/api/auth/refresh', { body: { refreshToken: sessions[1]?.refreshToken } });
  const { tokens } = (await json(refreshed)).data;
  keep(tokens.accessToken, tokens.refreshToken);
  // Reusing the spent refresh token: a security event, which must not hold the token.
  await call('POST', '/api/auth/refresh', { body: { refreshToken: sessions[1]?.refreshToken } });

  // API keys: created, rotated, used, and sent where credentials are refused (query string).
  const created = await json(await h.request('POST', '/api/api-keys', { token: admin.accessToken, body: { name: 'scan key', scopes: ['*'] } }));
  keep(created.data.secret);
  const rotated = await json(await h.request('POST', `/api/api-keys/${created.data.id}/rotate`, { token: admin.accessToken }));
  keep(rotated.data.secret);
  await call('GET', '/api/leads', { token: rotated.data.secret });
  await call('GET', '/api/leads', { token: created.data.secret });
  await call('GET', `/api/leads?api_key=${encodeURIComponent(rotated.data.secret)}`);
  await call('GET', `/api/leads?access_token=${encodeURIComponent(admin.accessToken)}`);

  // Invitation issued and accepted (sets a password).
  const invite = await json(
    await h.request('POST', '/api/users/invitations', { token: admin.accessToken, body: { email: 'scan.invitee@acme.example', role: 'sales_user' } }),
  );
  const invitationToken = new URL(invite.data.acceptUrl).searchParams.get('token');
  keep(invitationToken);
  const accepted = await json(await h.request('POST', '/api/auth/invitations/accept', { body: { token: invitationToken, password: NEW_PASSWORD } }));
  keep(accepted.data?.tokens?.accessToken, accepted.data?.tokens?.refreshToken);
  // Accepting twice: refused, and the refusal must not echo the token.
  await call('POST', '/api/auth/invitations/accept', { body: { token: invitationToken, password: NEW_PASSWORD } });

  // A webhook endpoint's signing secret, created and rotated.
  const receiver = await startReceiver();
  const hook = await json(await h.request('POST', '/api/webhooks', { token: admin.accessToken, body: { url: receiver.url, eventTypes: ['*'] } }));
  keep(hook.data?.secret);
  const hookRotated = await json(await h.request('POST', `/api/webhooks/${hook.data?.id}/rotate-secret`, { token: admin.accessToken }));
  keep(hookRotated.data?.secret);

  // A password reset: the emailed token and the new password.
  await call('POST', '/api/auth/password/forgot', { body: { email: 'manager@acme.example', tenant: 'acme' }, ip: '10.66.0.1' });
  await vi.waitFor(() => expect(h.emails.some((m) => m.to === 'manager@acme.example' && m.text.includes('token='))).toBe(true));
  const resetToken = decodeURIComponent(/token=(\S+)/.exec(h.emails.filter((m) => m.to === 'manager@acme.example').at(-1)?.text ?? '')?.[1] ?? '');
  keep(resetToken, RESET_PASSWORD);
  expect((await call('POST', '/api/auth/password/reset', { body: { token: resetToken, password: RESET_PASSWORD } })).status).toBe(204);
  await call('POST', '/api/auth/password/reset', { body: { token: resetToken, password: RESET_PASSWORD } });

  // Logout with a refresh token in the body; a password change of another user through PATCH is refused as an unknown field.
  const support = sessions[3] as Session;
  await call('POST', '/api/auth/logout', { token: support.accessToken, body: { refreshToken: support.refreshToken } });
  await call('PATCH', `/api/users/${sessions[2]?.userId}`, { token: admin.accessToken, body: { password: WRONG_PASSWORD } });

  // What admins read back: none of it may carry a secret.
  for (const path of [
    '/api/api-keys',
    `/api/api-keys/${created.data.id}`,
    '/api/users',
    '/api/auth/me',
    '/api/security-events',
    '/api/audit-logs?limit=100',
    '/api/webhooks',
    `/api/webhooks/${hook.data?.id}`,
  ]) {
    expect((await call('GET', path, { token: admin.accessToken })).status, path).toBe(200);
  }
  expect((await call('GET', '/api/audit-logs?format=csv', { token: admin.accessToken })).status).toBe(200);
  expect((await call('GET', '/api/leads/export', { token: admin.accessToken })).status).toBe(200);
});

const hits = (haystack: string) => [...secrets].filter((s) => haystack.includes(s)).map((s) => `${s.slice(0, 8)}…`);

describe('secret scan', () => {
  it('issued enough secrets to make the scan meaningful, and the scan finds one where it belongs', async () => {
    expect(secrets.size).toBeGreaterThanOrEqual(20);
    const issued = await h.request('POST', '/api/api-keys', {
      token: (await h.login('acme', 'tenant_admin')).accessToken,
      body: { name: 'probe', scopes: ['leads:read'] },
    });
    const text = await issued.text();
    keep(JSON.parse(text).data.secret);
    expect(hits(text)).toHaveLength(1);
    // The stored forms of the secrets are scanned for too: a hash in a log or an audit diff is a leak as well.
    const stored = await h.raw.query<{ v: string }>(
      `select password_hash as v from users where password_hash is not null
       union all select token_hash from refresh_tokens union all select token_hash from api_keys
       union all select token_hash from invitations union all select token_hash from password_resets
       union all select secret_encrypted from webhook_endpoints`,
    );
    expect(stored.length).toBeGreaterThan(10);
    keep(...stored.map((r) => r.v));
  });

  it('no captured log line holds a secret', () => {
    expect(h.logs.length).toBeGreaterThan(20);
    const found = h.logs.flatMap((line) => hits(line).map((s) => `${s} in ${line.slice(0, 120)}`));
    expect(found).toEqual([]);
  });

  it('no audit_logs or security_events row holds a secret', async () => {
    const rows = await h.raw.query<{ t: string }>(
      'select row_to_json(a)::text as t from audit_logs a union all select row_to_json(e)::text from security_events e',
    );
    expect(rows.length).toBeGreaterThan(12);
    expect(rows.some((r) => r.t.includes('refresh_token_reuse'))).toBe(true);
    const found = rows.flatMap((r) => hits(r.t).map((s) => `${s} in ${r.t.slice(0, 160)}`));
    expect(found).toEqual([]);
  });

  it('no response outside the secret-issuing ones holds a secret', () => {
    expect(scanned.length).toBeGreaterThan(15);
    const found = scanned.flatMap((r) => hits(r.body).map((s) => `${s} in ${r.what}`));
    expect(found).toEqual([]);
  });
});
