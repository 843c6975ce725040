import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DEMO_PASSWORD, demoEmail, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
});

interface UserBody {
  id: string;
  email: string;
  name: string;
  role: string;
  status: string;
}

let ipCounter = 0;
/** Logs in with any email; a fresh peer address each time so IP limits never interfere. */
function loginAs(email: string, password = DEMO_PASSWORD, tenant = 'acme') {
  ipCounter += 1;
  return h.request('POST', '/api/auth/login', { body: { email, password, tenant }, ip: `198.51.100.${ipCounter}` });
}

async function userRow(id: string) {
  const rows = await h.raw.query<{ role: string; status: string; password_hash: string | null; token_version: number; tenant_id: string }>(
    'select role, status, password_hash, token_version, tenant_id from users where id = $1',
    [id],
  );
  return rows[0];
}

async function userIdByEmail(email: string) {
  const rows = await h.raw.query<{ id: string }>('select id from users where email = $1', [email]);
  if (!rows[0]) throw new Error(`no user ${email}`);
  return rows[0].id;
}

describe('users: listing and reading', () => {
  it("lists exactly the tenant's own five users, without secrets", async () => {
    const res = await h.request('GET', '/api/users', { token: admin.accessToken });
    expect(res.status).toBe(200);
    const body = await json<{ data: UserBody[]; pagination: { limit: number; nextCursor: string | null } }>(res);
    expect(body.data).toHaveLength(5);
    expect(body.data.map((u) => u.email).sort()).toEqual(
      (['tenant_admin', 'manager', 'sales_user', 'support_user', 'read_only'] as const).map((r) => demoEmail('acme', r)).sort(),
    );
    expect(body.data.every((u) => u.email.endsWith('@acme.example'))).toBe(true);
    expect(body.pagination).toEqual({ limit: 25, nextCursor: null });
    for (const u of body.data) {
      expect(u).not.toHaveProperty('passwordHash');
      expect(u).not.toHaveProperty('tokenVersion');
      expect(u).not.toHaveProperty('tenantId');
    }
  });

  it('paginates with limit=2: every user exactly once, following nextCursor', async () => {
    // Sub-millisecond creation times (what a real Postgres clock writes) must not break cursors,
    // which carry JS Dates (milliseconds): timestamps are stored at millisecond precision.
    await h.raw.query(
      `update users set created_at = '2026-01-01T00:00:00.123Z'::timestamptz + (row_number * interval '1 microsecond')
         from (select id as uid, row_number() over (order by id) from users where tenant_id = $1) n
        where users.id = n.uid`,
      [admin.tenantId],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const res = await h.request('GET', `/api/users${qs}`, { token: admin.accessToken });
      expect(res.status).toBe(200);
      const body = await json<{ data: UserBody[]; pagination: { limit: number; nextCursor: string | null } }>(res);
      expect(body.data.length).toBeLessThanOrEqual(2);
      expect(body.pagination.limit).toBe(2);
      seen.push(...body.data.map((u) => u.id));
      cursor = body.pagination.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(10);
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const own = await h.raw.query<{ id: string }>('select id from users where tenant_id = $1', [admin.tenantId]);
    expect([...seen].sort()).toEqual(own.map((r) => r.id).sort());
    const stored = await h.raw.query<{ c: string }>('select distinct created_at::text as c from users where tenant_id = $1', [admin.tenantId]);
    expect(stored).toHaveLength(1);
  });

  it('filters by role and by status', async () => {
    const managers = await json<{ data: UserBody[] }>(await h.request('GET', '/api/users?role=manager', { token: admin.accessToken }));
    expect(managers.data.map((u) => u.email)).toEqual([demoEmail('acme', 'manager')]);

    await h.raw.query("update users set status = 'inactive' where email = $1", [demoEmail('acme', 'read_only')]);
    try {
      const inactive = await json<{ data: UserBody[] }>(await h.request('GET', '/api/users?status=inactive', { token: admin.accessToken }));
      expect(inactive.data.map((u) => u.email)).toEqual([demoEmail('acme', 'read_only')]);
      const active = await json<{ data: UserBody[] }>(await h.request('GET', '/api/users?status=active', { token: admin.accessToken }));
      expect(active.data).toHaveLength(4);
      expect(active.data.every((u) => u.status === 'active')).toBe(true);
    } finally {
      await h.raw.query("update users set status = 'active' where email = $1", [demoEmail('acme', 'read_only')]);
    }

    const bad = await h.request('GET', '/api/users?role=superuser', { token: admin.accessToken });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toBe('validation_error');
  });

  it('gets one user by id', async () => {
    const id = await userIdByEmail(demoEmail('acme', 'sales_user'));
    const res = await h.request('GET', `/api/users/${id}`, { token: admin.accessToken });
    expect(res.status).toBe(200);
    const { data } = await json<{ data: UserBody }>(res);
    expect(data).toMatchObject({ id, email: demoEmail('acme', 'sales_user'), role: 'sales_user', status: 'active' });
    expect(data).not.toHaveProperty('passwordHash');

    const missing = await h.request('GET', `/api/users/${crypto.randomUUID()}`, { token: admin.accessToken });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error).toBe('not_found');
  });
});

describe('users: invitations', () => {
  const email = 'new.hire@acme.example';
  let acceptToken = '';
  let invitedId = '';

  it('invites a user: 201, Location, acceptUrl with the token, email sent, user row invited without a password', async () => {
    const emailsBefore = h.emails.length;
    const res = await h.request('POST', '/api/users/invitations', {
      token: admin.accessToken,
      body: { email: 'New.Hire@Acme.example', role: 'sales_user', name: 'New Hire' },
    });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    invitedId = data.invitation.userId;
    expect(res.headers.get('location')).toBe(`/api/users/${invitedId}`);
    expect(data.invitation).toMatchObject({ email, role: 'sales_user' });
    expect(new Date(data.invitation.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const url = new URL(data.acceptUrl);
    acceptToken = url.searchParams.get('token') ?? '';
    expect(acceptToken).toMatch(/^inv_/);
    expect(data.acceptUrl).toContain(encodeURIComponent(acceptToken));

    expect(h.emails.length).toBe(emailsBefore + 1);
    const mail = h.emails.at(-1)!;
    expect(mail.to).toBe(email);
    expect(mail.text).toContain(data.acceptUrl);

    const row = await userRow(invitedId);
    expect(row).toMatchObject({ status: 'invited', role: 'sales_user', password_hash: null, tenant_id: admin.tenantId });
    // Only a hash of the token is stored.
    const inv = await h.raw.query<{ token_hash: string }>('select token_hash from invitations where user_id = $1', [invitedId]);
    expect(inv).toHaveLength(1);
    expect(inv[0]?.token_hash).not.toContain(acceptToken);

    const fetched = await h.request('GET', `/api/users/${invitedId}`, { token: admin.accessToken });
    expect((await json(fetched)).data).toMatchObject({ email, status: 'invited' });
  });

  it('accepting the invitation sets the password, activates the user and returns tokens; the token is single use', async () => {
    const password = 'first-day-at-acme-42';
    const res = await h.request('POST', '/api/auth/invitations/accept', { body: { token: acceptToken, password } });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data.user).toMatchObject({ id: invitedId, email, status: 'active', role: 'sales_user' });
    expect(data.tenant.slug).toBe('acme');
    const me = await h.request('GET', '/api/auth/me', { token: data.tokens.accessToken });
    expect(me.status).toBe(200);
    expect((await json(me)).data.user.id).toBe(invitedId);

    const row = await userRow(invitedId);
    expect(row?.status).toBe('active');
    expect(row?.password_hash).toMatch(/^\$2[aby]\$1\d\$/);

    const login = await loginAs(email, password);
    expect(login.status).toBe(200);

    const again = await h.request('POST', '/api/auth/invitations/accept', { body: { token: acceptToken, password: 'another-password-99' } });
    expect(again.status).toBe(404);
    expect((await json(again)).error).toBe('not_found');
    // The second attempt changed nothing: the first password still works.
    expect((await loginAs(email, 'another-password-99')).status).toBe(401);
    expect((await loginAs(email, password)).status).toBe(200);
  });

  it('re-inviting an existing active member is 409 and leaves the member alone', async () => {
    const before = await userRow(invitedId);
    const res = await h.request('POST', '/api/users/invitations', { token: admin.accessToken, body: { email, role: 'read_only' } });
    expect(res.status).toBe(409);
    expect((await json(res)).error).toBe('conflict');
    expect(await userRow(invitedId)).toEqual(before);

    const demo = await h.request('POST', '/api/users/invitations', {
      token: admin.accessToken,
      body: { email: demoEmail('acme', 'manager'), role: 'sales_user' },
    });
    expect(demo.status).toBe(409);
  });
});

describe('users: role and status changes', () => {
  it('changing a role kills the old access token at once; a new login carries the new role', async () => {
    const support = await h.login('acme', 'support_user');
    expect((await h.request('GET', '/api/auth/me', { token: support.accessToken })).status).toBe(200);

    const res = await h.request('PATCH', `/api/users/${support.userId}`, { token: admin.accessToken, body: { role: 'sales_user' } });
    expect(res.status).toBe(200);
    expect((await json(res)).data).toMatchObject({ id: support.userId, role: 'sales_user', status: 'active' });
    expect((await userRow(support.userId))?.role).toBe('sales_user');

    const stale = await h.request('GET', '/api/auth/me', { token: support.accessToken });
    expect(stale.status).toBe(401);
    expect((await json(stale)).error).toBe('unauthorized');

    const fresh = await h.login('acme', 'support_user');
    const me = await h.request('GET', '/api/auth/me', { token: fresh.accessToken });
    expect(me.status).toBe(200);
    const body = await json(me);
    expect(body.data.user.role).toBe('sales_user');
    expect(body.data.permissions.leads).toEqual(['read', 'write']);

    const audit = await h.raw.query('select * from audit_logs where action = $1 and resource_id = $2', ['user.updated', support.userId]);
    expect(audit.length).toBeGreaterThanOrEqual(1);
  });

  it('deactivating a user ends access at once: access token 401, refresh token 401, login 403 account_disabled', async () => {
    const ro = await h.login('acme', 'read_only');
    expect((await h.request('GET', '/api/auth/me', { token: ro.accessToken })).status).toBe(200);

    const res = await h.request('PATCH', `/api/users/${ro.userId}`, { token: admin.accessToken, body: { status: 'inactive' } });
    expect(res.status).toBe(200);
    expect((await json(res)).data.status).toBe('inactive');
    expect((await userRow(ro.userId))?.status).toBe('inactive');

    const me = await h.request('GET', '/api/auth/me', { token: ro.accessToken });
    expect(me.status).toBe(401);
    const refresh = await h.request('POST', '/api/auth/refresh', { body: { refreshToken: ro.refreshToken } });
    expect(refresh.status).toBe(401);
    expect((await json(refresh)).error).toBe('unauthorized');
    const live = await h.raw.query('select id from refresh_tokens where user_id = $1 and revoked_at is null', [ro.userId]);
    expect(live).toHaveLength(0);

    const login = await loginAs(demoEmail('acme', 'read_only'));
    expect(login.status).toBe(403);
    expect((await json(login)).error).toBe('account_disabled');
    // A wrong password still reveals nothing about the account state.
    const wrong = await loginAs(demoEmail('acme', 'read_only'), 'not-the-password-1');
    expect(wrong.status).toBe(401);
  });

  it('reactivating a user lets them log in again', async () => {
    const id = await userIdByEmail(demoEmail('acme', 'read_only'));
    const res = await h.request('PATCH', `/api/users/${id}`, { token: admin.accessToken, body: { status: 'active' } });
    expect(res.status).toBe(200);
    expect((await json(res)).data.status).toBe('active');
    expect((await userRow(id))?.status).toBe('active');
    const login = await loginAs(demoEmail('acme', 'read_only'));
    expect(login.status).toBe(200);
    const { data } = await json(login);
    expect((await h.request('GET', '/api/auth/me', { token: data.tokens.accessToken })).status).toBe(200);
  });

  it('renames a user without touching their sessions', async () => {
    const sales = await h.login('acme', 'sales_user');
    const before = await userRow(sales.userId);
    const res = await h.request('PATCH', `/api/users/${sales.userId}`, { token: admin.accessToken, body: { name: 'Renamed Seller' } });
    expect(res.status).toBe(200);
    expect((await json(res)).data.name).toBe('Renamed Seller');
    expect((await userRow(sales.userId))?.token_version).toBe(before?.token_version);
    expect((await h.request('GET', '/api/auth/me', { token: sales.accessToken })).status).toBe(200);
  });
});
