import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session, TEST_ENV } from '../harness.ts';

let h: Harness;
let s: Session;
beforeAll(async () => {
  h = await createHarness();
  s = await h.login('acme', 'manager');
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
const key = new TextEncoder().encode(TEST_ENV.JWT_SECRET);

async function expect401(token: string) {
  const res = await h.request('GET', '/api/auth/me', { token });
  expect(res.status).toBe(401);
  const body = await json(res);
  expect(body.error).toBe('unauthorized');
  expect(JSON.stringify(body)).not.toMatch(/stack|at .*\.ts/);
}

function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}, secret = key, exp = '5m') {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...header })
    .setIssuer('crm-edge-api')
    .setAudience('crm-edge-api')
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(secret);
}

describe('access token attacks', () => {
  it('accepts the genuine token (control)', async () => {
    expect((await h.request('GET', '/api/auth/me', { token: s.accessToken })).status).toBe(200);
  });

  it('rejects alg none', async () => {
    const payload = claimsOf(s.accessToken);
    await expect401(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(payload)}.`);
  });

  it('rejects a token signed with another key', async () => {
    const c = claimsOf(s.accessToken);
    await expect401(await sign({ sub: c.sub, tid: c.tid, role: c.role, ver: c.ver }, {}, new TextEncoder().encode('x'.repeat(48))));
  });

  it('rejects a tampered payload (role raised to tenant_admin)', async () => {
    const [header, , signature] = s.accessToken.split('.');
    const payload = { ...claimsOf(s.accessToken), role: 'tenant_admin' };
    await expect401(`${header}.${b64(payload)}.${signature}`);
  });

  it('rejects an expired token', async () => {
    const c = claimsOf(s.accessToken);
    const expired = await new SignJWT({ tid: c.tid, role: c.role, ver: c.ver })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject(c.sub)
      .setIssuer('crm-edge-api')
      .setAudience('crm-edge-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    const res = await h.request('GET', '/api/auth/me', { token: expired });
    expect(res.status).toBe(401);
    expect((await json(res)).message).toMatch(/expired/i);
  });

  it('ignores embedded keys: a jwk/jku/kid header does not change which key verifies', async () => {
    const c = claimsOf(s.accessToken);
    const attacker = new TextEncoder().encode('attacker-secret-attacker-secret-0123456789');
    const forged = await sign(
      { sub: c.sub, tid: c.tid, role: 'tenant_admin', ver: c.ver },
      { kid: 'attacker', jku: 'https://evil.example/jwks', jwk: { kty: 'oct', k: Buffer.from(attacker).toString('base64url') } },
      attacker,
    );
    await expect401(forged);
  });

  it('rejects a token with the wrong typ (an ID token or a refresh JWT is not an access token)', async () => {
    const c = claimsOf(s.accessToken);
    await expect401(await sign({ sub: c.sub, tid: c.tid, role: c.role, ver: c.ver }, { typ: 'JWT' }));
  });

  it('accepts the token shape it issues in a test-signed form (so the rejections above are about the attack)', async () => {
    const c = claimsOf(s.accessToken);
    const res = await h.request('GET', '/api/auth/me', { token: await sign({ sub: c.sub, tid: c.tid, role: c.role, ver: c.ver }) });
    expect(res.status).toBe(200);
  });

  it('never accepts a refresh token as an access token, nor the reverse', async () => {
    await expect401(s.refreshToken);
    const res = await h.request('POST', '/api/auth/refresh', { body: { refreshToken: s.accessToken } });
    expect(res.status).toBe(401);
  });

  it('reads tokens only from the Authorization header', async () => {
    const res = await h.request('GET', `/api/auth/me?access_token=${s.accessToken}`);
    expect(res.status).toBe(401);
    const both = await h.request('GET', `/api/auth/me?token=${s.accessToken}`, { token: s.accessToken });
    expect(both.status).toBe(401);
  });

  it('keeps access tokens at 15 minutes or less', () => {
    const c = claimsOf(s.accessToken);
    expect(c.exp - c.iat).toBeLessThanOrEqual(900);
    expect(c).toMatchObject({ iss: 'crm-edge-api', aud: 'crm-edge-api', role: 'manager' });
  });
});

describe('refresh token reuse detection', () => {
  it('revokes the whole family when a used refresh token is presented again', async () => {
    const first = await h.login('acme', 'sales_user');
    const rotated = await json(await h.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } }));
    const second = rotated.data.tokens.refreshToken as string;

    const reuse = await h.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(reuse.status).toBe(401);
    // The legitimate-looking newer token of the same family is dead too.
    const after = await h.request('POST', '/api/auth/refresh', { body: { refreshToken: second } });
    expect(after.status).toBe(401);

    const stored = await h.raw.query<{ token_hash: string; revoked_at: Date | null }>('select token_hash, revoked_at from refresh_tokens where user_id = $1', [
      first.userId,
    ]);
    expect(stored.length).toBeGreaterThanOrEqual(2);
    expect(stored.every((r) => r.revoked_at !== null)).toBe(true);
    // Stored hashed, never in clear.
    expect(stored.some((r) => r.token_hash.includes(first.refreshToken))).toBe(false);

    const admin = await h.login('acme', 'tenant_admin');
    const events = await json(await h.request('GET', '/api/security-events?type=refresh_token_reuse', { token: admin.accessToken }));
    expect(events.data.some((e: { userId: string }) => e.userId === first.userId)).toBe(true);
  });

  it('lets exactly one of two concurrent refreshes win', async () => {
    const s2 = await h.login('acme', 'support_user');
    const results = await Promise.all([1, 2].map(() => h.request('POST', '/api/auth/refresh', { body: { refreshToken: s2.refreshToken } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('rejects malformed and unknown refresh tokens', async () => {
    for (const refreshToken of ['nope', `rt_${crypto.randomUUID()}.${'a'.repeat(43)}`]) {
      expect((await h.request('POST', '/api/auth/refresh', { body: { refreshToken } })).status).toBe(401);
    }
  });
});
