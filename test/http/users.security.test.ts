import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DEMO_PASSWORD, demoEmail, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let manager: Session;
let acmeSalesId: string;
let otherUserId: string;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  manager = await h.login('acme', 'manager');
  acmeSalesId = await userIdByEmail(demoEmail('acme', 'sales_user'));
  otherUserId = await userIdByEmail(demoEmail('mycompany', 'sales_user'));
});

let ipCounter = 0;
function loginAs(email: string, password = DEMO_PASSWORD, tenant = 'acme') {
  ipCounter += 1;
  return h.request('POST', '/api/auth/login', { body: { email, password, tenant }, ip: `192.0.2.${ipCounter}` });
}

async function userIdByEmail(email: string) {
  const rows = await h.raw.query<{ id: string }>('select id from users where email = $1', [email]);
  if (!rows[0]) throw new Error(`no user ${email}`);
  return rows[0].id;
}

/** The whole stored row, to prove a refused request changed nothing. */
async function fullRow(id: string) {
  const rows = await h.raw.query('select * from users where id = $1', [id]);
  return rows[0];
}

async function count(sql: string, params: unknown[] = []) {
  const rows = await h.raw.query<{ n: number }>(`select count(*)::int as n from (${sql}) t`, params);
  return rows[0]?.n ?? 0;
}

async function invite(email: string, role = 'sales_user') {
  const res = await h.request('POST', '/api/users/invitations', { token: admin.accessToken, body: { email, role } });
  expect(res.status).toBe(201);
  const { data } = await json(res);
  return { userId: data.invitation.userId as string, token: new URL(data.acceptUrl).searchParams.get('token') as string };
}

async function expectError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe('string');
  expect(typeof body.requestId).toBe('string');
  return body;
}

describe('users RBAC (SPEC section 5)', () => {
  it('a manager can list and read users', async () => {
    const list = await h.request('GET', '/api/users', { token: manager.accessToken });
    expect(list.status).toBe(200);
    expect((await json(list)).data).toHaveLength(5);
    const one = await h.request('GET', `/api/users/${acmeSalesId}`, { token: manager.accessToken });
    expect(one.status).toBe(200);
    expect((await json(one)).data.id).toBe(acmeSalesId);
  });

  it('a manager cannot invite or change users (403 insufficient_permissions) and nothing is written', async () => {
    const usersBefore = await count('select id from users');
    const invitationsBefore = await count('select id from invitations');
    const emailsBefore = h.emails.length;
    const inv = await h.request('POST', '/api/users/invitations', {
      token: manager.accessToken,
      body: { email: 'sneaky@acme.example', role: 'read_only' },
    });
    await expectError(inv, 403, 'insufficient_permissions');
    expect(await count('select id from users')).toBe(usersBefore);
    expect(await count('select id from invitations')).toBe(invitationsBefore);
    expect(h.emails.length).toBe(emailsBefore);

    const before = await fullRow(acmeSalesId);
    for (const body of [{ role: 'manager' }, { status: 'inactive' }, { name: 'Renamed by manager' }]) {
      const res = await h.request('PATCH', `/api/users/${acmeSalesId}`, { token: manager.accessToken, body });
      await expectError(res, 403, 'insufficient_permissions');
    }
    // A manager cannot promote themselves either.
    const self = await h.request('PATCH', `/api/users/${manager.userId}`, { token: manager.accessToken, body: { role: 'tenant_admin' } });
    await expectError(self, 403, 'insufficient_permissions');
    expect(await fullRow(acmeSalesId)).toEqual(before);
    expect((await fullRow(manager.userId))?.role).toBe('manager');
  });

  for (const role of ['sales_user', 'support_user', 'read_only'] as const) {
    it(`${role} cannot list, read, invite or change users (403)`, async () => {
      const s = await h.login('acme', role);
      await expectError(await h.request('GET', '/api/users', { token: s.accessToken }), 403, 'insufficient_permissions');
      await expectError(await h.request('GET', `/api/users/${s.userId}`, { token: s.accessToken }), 403, 'insufficient_permissions');
      await expectError(
        await h.request('POST', '/api/users/invitations', { token: s.accessToken, body: { email: `x-${role}@acme.example`, role: 'read_only' } }),
        403,
        'insufficient_permissions',
      );
      const before = await fullRow(s.userId);
      await expectError(
        await h.request('PATCH', `/api/users/${s.userId}`, { token: s.accessToken, body: { role: 'tenant_admin' } }),
        403,
        'insufficient_permissions',
      );
      expect(await fullRow(s.userId)).toEqual(before);
    });
  }

  it('an admin cannot change their own role or status, and the row is unchanged', async () => {
    const before = await fullRow(admin.userId);
    for (const body of [{ role: 'read_only' }, { status: 'inactive' }, { role: 'manager', name: 'Still Admin' }]) {
      const res = await h.request('PATCH', `/api/users/${admin.userId}`, { token: admin.accessToken, body });
      await expectError(res, 403, 'insufficient_permissions');
    }
    expect(await fullRow(admin.userId)).toEqual(before);
    // Their session is untouched.
    expect((await h.request('GET', '/api/auth/me', { token: admin.accessToken })).status).toBe(200);
  });

  it('requests without a valid token are 401', async () => {
    await expectError(await h.request('GET', '/api/users'), 401, 'unauthorized');
    await expectError(await h.request('GET', '/api/users', { token: 'not-a-jwt' }), 401, 'unauthorized');
    await expectError(await h.request('PATCH', `/api/users/${acmeSalesId}`, { token: admin.refreshToken, body: { role: 'read_only' } }), 401, 'unauthorized');
  });
});

describe('invited users and invitation tokens', () => {
  it('an invited user cannot log in (401, no password yet) until they accept; deactivation then ends access', async () => {
    const email = 'pending.person@acme.example';
    const { userId, token } = await invite(email);

    const early = await loginAs(email, 'whatever-password-1');
    await expectError(early, 401, 'invalid_credentials');
    const earlyDemo = await loginAs(email, DEMO_PASSWORD);
    await expectError(earlyDemo, 401, 'invalid_credentials');
    expect((await fullRow(userId))?.status).toBe('invited');

    // An invitation that was never accepted cannot be "activated" by an admin PATCH either.
    const activate = await h.request('PATCH', `/api/users/${userId}`, { token: admin.accessToken, body: { status: 'active' } });
    await expectError(activate, 409, 'conflict');
    expect((await fullRow(userId))?.status).toBe('invited');

    const password = 'finally-accepted-77';
    const accept = await h.request('POST', '/api/auth/invitations/accept', { body: { token, password } });
    expect(accept.status).toBe(200);
    const session = (await json(accept)).data.tokens;
    expect((await loginAs(email, password)).status).toBe(200);

    const off = await h.request('PATCH', `/api/users/${userId}`, { token: admin.accessToken, body: { status: 'inactive' } });
    expect(off.status).toBe(200);
    await expectError(await h.request('GET', '/api/auth/me', { token: session.accessToken }), 401, 'unauthorized');
    await expectError(await h.request('POST', '/api/auth/refresh', { body: { refreshToken: session.refreshToken } }), 401, 'unauthorized');
    await expectError(await loginAs(email, password), 403, 'account_disabled');
    // Wrong password on a disabled account: the status is not revealed.
    await expectError(await loginAs(email, 'wrong-password-123'), 401, 'invalid_credentials');
  });

  it('an expired invitation token is 404 and the user stays invited', async () => {
    const { userId, token } = await invite('late.comer@acme.example');
    await h.raw.query("update invitations set expires_at = now() - interval '1 minute' where user_id = $1", [userId]);
    const res = await h.request('POST', '/api/auth/invitations/accept', { body: { token, password: 'too-late-password-1' } });
    await expectError(res, 404, 'not_found');
    const row = await fullRow(userId);
    expect(row?.status).toBe('invited');
    expect(row?.password_hash).toBeNull();
    const inv = await h.raw.query<{ accepted_at: Date | null }>('select accepted_at from invitations where user_id = $1', [userId]);
    expect(inv[0]?.accepted_at).toBeNull();
  });

  it('a re-invitation replaces the earlier link; malformed and unknown tokens are 404', async () => {
    const email = 'twice.invited@acme.example';
    const first = await invite(email);
    const second = await invite(email, 'read_only');
    expect(second.userId).toBe(first.userId);
    expect(second.token).not.toBe(first.token);
    expect(await count('select id from invitations where user_id = $1', [first.userId])).toBe(1);

    await expectError(
      await h.request('POST', '/api/auth/invitations/accept', { body: { token: first.token, password: 'old-link-password-1' } }),
      404,
      'not_found',
    );
    await expectError(
      await h.request('POST', '/api/auth/invitations/accept', { body: { token: 'inv_garbage', password: 'some-password-123' } }),
      404,
      'not_found',
    );
    // Right shape, right tenant, wrong secret.
    const forged = `${first.token.slice(0, first.token.indexOf('.') + 1)}${'A'.repeat(43)}`;
    await expectError(await h.request('POST', '/api/auth/invitations/accept', { body: { token: forged, password: 'some-password-123' } }), 404, 'not_found');
    expect((await fullRow(first.userId))?.status).toBe('invited');

    const ok = await h.request('POST', '/api/auth/invitations/accept', { body: { token: second.token, password: 'new-link-password-1' } });
    expect(ok.status).toBe(200);
    expect((await json(ok)).data.user.role).toBe('read_only');
  });

  it('accepting with a weak password is 400 and consumes nothing', async () => {
    const { userId, token } = await invite('weak.password@acme.example');
    const res = await h.request('POST', '/api/auth/invitations/accept', { body: { token, password: 'short' } });
    const body = await expectError(res, 400, 'validation_error');
    expect(body.details.map((d: { field: string }) => d.field)).toContain('password');
    expect((await fullRow(userId))?.status).toBe('invited');
    const ok = await h.request('POST', '/api/auth/invitations/accept', { body: { token, password: 'a-much-better-one-9' } });
    expect(ok.status).toBe(200);
  });
});

describe('mass assignment: request schemas are strict allow-lists', () => {
  const forbiddenFields = (otherTenantId: string): Record<string, unknown> => ({
    tenantId: otherTenantId,
    id: crypto.randomUUID(),
    email: 'takeover@evil.example',
    passwordHash: '$2b$10$abcdefghijklmnopqrstuuN4sNQzEw7bO1Wd9oL0yWq8FJr4yQeyu',
    tokenVersion: 999,
    createdAt: '2000-01-01T00:00:00.000Z',
  });

  it('PATCH /api/users/{id} with a forbidden field is 400 naming the field, and nothing changes', async () => {
    const otherTenant = await h.tenantId('mycompany');
    const before = await fullRow(acmeSalesId);
    for (const [field, value] of Object.entries(forbiddenFields(otherTenant))) {
      // Alongside an allowed change, so a partial apply would show.
      const res = await h.request('PATCH', `/api/users/${acmeSalesId}`, {
        token: admin.accessToken,
        body: { name: 'Mass Assigned', [field]: value },
      });
      const body = await expectError(res, 400, 'validation_error');
      expect(body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await fullRow(acmeSalesId)).toEqual(before);
    }
  });

  it('POST /api/users/invitations with tenantId is 400 and creates nobody', async () => {
    const otherTenant = await h.tenantId('mycompany');
    const usersBefore = await count('select id from users');
    const emailsBefore = h.emails.length;
    for (const extra of [{ tenantId: otherTenant }, { status: 'active' }, { passwordHash: 'x' }]) {
      const res = await h.request('POST', '/api/users/invitations', {
        token: admin.accessToken,
        body: { email: 'planted@acme.example', role: 'sales_user', ...extra },
      });
      const body = await expectError(res, 400, 'validation_error');
      expect(body.details.map((d: { field: string }) => d.field)).toContain(Object.keys(extra)[0]);
    }
    expect(await count('select id from users')).toBe(usersBefore);
    expect(await count("select id from users where email = 'planted@acme.example'")).toBe(0);
    expect(h.emails.length).toBe(emailsBefore);
  });

  it('register with role or tenantId is 400 and creates no tenant', async () => {
    const acmeId = await h.tenantId('acme');
    const base = { tenantName: 'Initech', tenantSlug: 'initech', name: 'Bill L', email: 'bill@initech.example', password: 'tps-reports-cover-1' };
    for (const extra of [{ role: 'tenant_admin' }, { tenantId: acmeId }]) {
      const res = await h.request('POST', '/api/auth/register', { body: { ...base, ...extra } });
      const body = await expectError(res, 400, 'validation_error');
      expect(body.details.map((d: { field: string }) => d.field)).toContain(Object.keys(extra)[0]);
    }
    expect(await count("select id from tenants where slug = 'initech'")).toBe(0);
    expect(await count("select id from users where email = 'bill@initech.example'")).toBe(0);
  });
});

describe('cross-tenant access to users', () => {
  it("another tenant's user is indistinguishable from a missing one (GET and PATCH), and stays unchanged", async () => {
    const before = await fullRow(otherUserId);
    const random = crypto.randomUUID();

    const getOther = await h.request('GET', `/api/users/${otherUserId}`, { token: admin.accessToken });
    const getMissing = await h.request('GET', `/api/users/${random}`, { token: admin.accessToken });
    const a = await expectError(getOther, 404, 'not_found');
    const b = await expectError(getMissing, 404, 'not_found');
    expect({ error: a.error, message: a.message, details: a.details }).toEqual({ error: b.error, message: b.message, details: b.details });
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());

    for (const body of [{ role: 'read_only' }, { status: 'inactive' }, { name: 'Owned by acme' }]) {
      const patchOther = await h.request('PATCH', `/api/users/${otherUserId}`, { token: admin.accessToken, body });
      const patchMissing = await h.request('PATCH', `/api/users/${random}`, { token: admin.accessToken, body });
      const c = await expectError(patchOther, 404, 'not_found');
      const d = await expectError(patchMissing, 404, 'not_found');
      expect({ error: c.error, message: c.message }).toEqual({ error: d.error, message: d.message });
    }
    expect(await fullRow(otherUserId)).toEqual(before);

    // And the mycompany user still works normally.
    const other = await h.login('mycompany', 'sales_user');
    expect(other.userId).toBe(otherUserId);
    expect((await h.request('GET', '/api/auth/me', { token: other.accessToken })).status).toBe(200);
  });

  it("listing never includes another tenant's users, even when asked by tenantId", async () => {
    const res = await h.request('GET', '/api/users?limit=100', { token: admin.accessToken });
    const { data } = await json(res);
    expect(data.map((u: { id: string }) => u.id)).not.toContain(otherUserId);
    expect(data.every((u: { email: string }) => u.email.endsWith('@acme.example'))).toBe(true);

    const otherTenant = await h.tenantId('mycompany');
    const hinted = await h.request('GET', `/api/users?tenantId=${otherTenant}`, { token: admin.accessToken });
    await expectError(hinted, 403, 'tenant_mismatch');
  });

  it('an acme admin cannot invite into another tenant via X-Tenant-ID', async () => {
    const usersBefore = await count('select id from users');
    const res = await h.request('POST', '/api/users/invitations', {
      token: admin.accessToken,
      headers: { 'x-tenant-id': 'mycompany' },
      body: { email: 'cross@mycompany.example', role: 'tenant_admin' },
    });
    await expectError(res, 403, 'tenant_mismatch');
    expect(await count('select id from users')).toBe(usersBefore);
  });
});
