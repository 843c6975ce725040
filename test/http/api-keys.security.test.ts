import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';
import { createKey, expectError } from './api-keys.helpers.ts';

let h: Harness;
let admin: Session;
let otherAdmin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  otherAdmin = await h.login('mycompany', 'tenant_admin');
});

const key = async (scopes: string[], extra: Record<string, unknown> = {}) => (await createKey(h, admin.accessToken, { scopes, ...extra })).secret;

async function aLead(): Promise<string> {
  const res = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { lastName: `Lead ${crypto.randomUUID()}` } });
  expect(res.status).toBe(201);
  return (await json(res)).data.id;
}

describe('scopes per method (read, write, delete, export)', () => {
  it.each([
    ['leads:read', { read: 200, write: 403, delete: 403, export: 403 }],
    ['leads:write', { read: 403, write: 201, delete: 403, export: 403 }],
    ['leads:delete', { read: 403, write: 403, delete: 204, export: 403 }],
    ['leads:export', { read: 403, write: 403, delete: 403, export: 200 }],
    ['*', { read: 200, write: 201, delete: 204, export: 200 }],
  ])('a key with %s', async (scope, expected) => {
    const secret = await key([scope]);
    const id = await aLead();
    const got = {
      read: (await h.request('GET', '/api/leads', { token: secret })).status,
      write: (await h.request('POST', '/api/leads', { token: secret, body: { lastName: 'Scoped' } })).status,
      delete: (await h.request('DELETE', `/api/leads/${id}`, { token: secret })).status,
      export: (await h.request('GET', '/api/leads/export', { token: secret })).status,
    };
    expect(got).toEqual(expected);
  });

  it('names the missing scope, and a scope on one resource grants nothing on another', async () => {
    const secret = await key(['leads:read']);
    const body = await expectError(await h.request('POST', '/api/leads', { token: secret, body: { lastName: 'X' } }), 403, 'insufficient_permissions');
    expect(body.message).toContain('leads:write');
    await expectError(await h.request('GET', '/api/contacts', { token: secret }), 403, 'insufficient_permissions');
    await expectError(await h.request('GET', '/api/deals', { token: secret }), 403, 'insufficient_permissions');
  });

  it('owns nothing: ownerId=me lists no records for a key', async () => {
    const secret = await key(['leads:read']);
    await aLead();
    const res = await h.request('GET', '/api/leads?ownerId=me', { token: secret });
    expect(res.status).toBe(200);
    expect((await json(res)).data).toEqual([]);
    expect((await json(await h.request('GET', '/api/leads?ownerId=me', { token: admin.accessToken }))).data.length).toBeGreaterThan(0);
  });

  it('is not limited to its own records (scopes are per resource) and can set an owner', async () => {
    const secret = await key(['leads:write', 'leads:read']);
    const id = await aLead();
    const patched = await h.request('PATCH', `/api/leads/${id}`, { token: secret, body: { score: 55, ownerId: admin.userId } });
    expect(patched.status).toBe(200);
    expect((await json(patched)).data).toMatchObject({ score: 55, ownerId: admin.userId });
  });
});

describe('idempotency', () => {
  it('scopes Idempotency-Key per key: the same key string from two API keys creates two records', async () => {
    const [one, two] = [await key(['leads:write']), await key(['leads:write'])];
    const post = (secret: string) =>
      h.request('POST', '/api/leads', { token: secret, body: { lastName: 'Idem' }, headers: { 'Idempotency-Key': 'shared-key-1' } });
    const a = await post(one);
    const replay = await post(one);
    const b = await post(two);
    expect([a.status, replay.status, b.status]).toEqual([201, 201, 201]);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const [idA, idReplay, idB] = [(await json(a)).data.id, (await json(replay)).data.id, (await json(b)).data.id];
    expect(idReplay).toBe(idA);
    expect(idB).not.toBe(idA);
  });
});

describe('administrative endpoints need the matching admin scope', () => {
  it('a "*" key reaches no user, API-key or security-event endpoint', async () => {
    const secret = await key(['*']);
    for (const [method, path, body] of [
      ['GET', '/api/users'],
      ['POST', '/api/users/invitations', { email: 'x@acme.example', role: 'read_only' }],
      ['GET', '/api/api-keys'],
      ['POST', '/api/api-keys', { name: 'escalate', scopes: ['*'] }],
      ['GET', '/api/security-events'],
    ] as [string, string, unknown?][]) {
      const res = await h.request(method, path, { token: secret, body });
      await expectError(res, 403, 'insufficient_permissions');
    }
  });

  it('users:admin opens the user endpoints and nothing else', async () => {
    const secret = await key(['users:admin']);
    expect((await h.request('GET', '/api/users', { token: secret })).status).toBe(200);
    await expectError(await h.request('GET', '/api/leads', { token: secret }), 403, 'insufficient_permissions');
    await expectError(await h.request('GET', '/api/api-keys', { token: secret }), 403, 'insufficient_permissions');
  });

  it('api_keys:admin manages keys but grants no scope it does not hold', async () => {
    const manager = await key(['api_keys:admin', 'leads:read']);
    expect((await h.request('GET', '/api/api-keys', { token: manager })).status).toBe(200);
    for (const scopes of [['*'], ['leads:write'], ['users:admin'], ['leads:read', 'contacts:read']]) {
      await expectError(await h.request('POST', '/api/api-keys', { token: manager, body: { name: 'more', scopes } }), 403, 'insufficient_permissions');
    }
    const made = await h.request('POST', '/api/api-keys', { token: manager, body: { name: 'subset', scopes: ['leads:read'] } });
    expect(made.status).toBe(201);
    const [row] = await h.raw.query<{ actor_type: string }>(`select actor_type from audit_logs where resource_id = $1`, [(await json(made)).data.id]);
    expect(row?.actor_type).toBe('api_key');
    // Nor can it rotate (and so take over) a key broader than itself.
    const { id: broader } = await createKey(h, admin.accessToken, { scopes: ['*'] });
    await expectError(await h.request('POST', `/api/api-keys/${broader}/rotate`, { token: manager }), 403, 'insufficient_permissions');
  });

  it('a key cannot use the user-session endpoints', async () => {
    const secret = await key(['*', 'users:admin']);
    await expectError(await h.request('GET', '/api/auth/me', { token: secret }), 403, 'insufficient_permissions');
    await expectError(
      await h.request('POST', '/api/auth/logout', { token: secret, body: { refreshToken: admin.refreshToken } }),
      403,
      'insufficient_permissions',
    );
  });

  it('only tenant admins manage keys', async () => {
    for (const role of ['manager', 'sales_user', 'support_user', 'read_only'] as const) {
      const s = await h.login('acme', role);
      await expectError(
        await h.request('POST', '/api/api-keys', { token: s.accessToken, body: { name: 'x', scopes: ['leads:read'] } }),
        403,
        'insufficient_permissions',
      );
      await expectError(await h.request('GET', '/api/api-keys', { token: s.accessToken }), 403, 'insufficient_permissions');
    }
  });
});

describe('tenant isolation', () => {
  it('a key used with another tenant named (header or subdomain) is 403 tenant_mismatch and a security event in both tenants', async () => {
    const { secret, id } = await createKey(h, admin.accessToken, { scopes: ['*'] });
    const header = await h.request('GET', '/api/leads', { token: secret, headers: { 'X-Tenant-ID': 'mycompany' } });
    await expectError(header, 403, 'tenant_mismatch');
    await expectError(await h.request('GET', '/api/leads', { token: secret, host: 'mycompany.crm.test' }), 403, 'tenant_mismatch');
    const events = await h.raw.query<{ tenant_id: string; credential_tenant_id: string; details: { apiKeyId?: string } }>(
      `select tenant_id, credential_tenant_id, details from security_events where type = 'tenant_mismatch' and details->>'apiKeyId' = $1`,
      [id],
    );
    expect(new Set(events.map((e) => e.tenant_id))).toEqual(new Set([admin.tenantId, otherAdmin.tenantId]));
    for (const e of events) expect(e.credential_tenant_id).toBe(admin.tenantId);
    // Its own tenant named explicitly is fine.
    expect((await h.request('GET', '/api/leads', { token: secret, headers: { 'X-Tenant-ID': 'acme' } })).status).toBe(200);
  });

  it("another tenant's records are not found through a key", async () => {
    const secret = await key(['*']);
    const theirs = await h.request('POST', '/api/leads', { token: otherAdmin.accessToken, body: { lastName: 'Private' } });
    const theirId = (await json(theirs)).data.id;
    await expectError(await h.request('GET', `/api/leads/${theirId}`, { token: secret }), 404, 'not_found');
    await expectError(await h.request('DELETE', `/api/leads/${theirId}`, { token: secret }), 404, 'not_found');
    // ...and another tenant's key id is not found in the key API either.
    const { id: theirKey } = await createKey(h, otherAdmin.accessToken, { scopes: ['leads:read'] });
    await expectError(await h.request('GET', `/api/api-keys/${theirKey}`, { token: admin.accessToken }), 404, 'not_found');
    await expectError(await h.request('POST', `/api/api-keys/${theirKey}/revoke`, { token: admin.accessToken }), 404, 'not_found');
  });

  it('a key whose tenant part is edited to another tenant matches nothing', async () => {
    const secret = await key(['*']);
    const forged = secret.replace(admin.tenantId.replaceAll('-', ''), otherAdmin.tenantId.replaceAll('-', ''));
    expect(forged).not.toBe(secret);
    await expectError(await h.request('GET', '/api/leads', { token: forged }), 401, 'unauthorized');
  });
});

describe('revocation, expiry and malformed keys', () => {
  it('refuses a revoked key with 401 on the very next request', async () => {
    const { secret, id } = await createKey(h, admin.accessToken, { scopes: ['leads:read'] });
    expect((await h.request('GET', '/api/leads', { token: secret })).status).toBe(200);
    await h.request('POST', `/api/api-keys/${id}/revoke`, { token: admin.accessToken });
    await expectError(await h.request('GET', '/api/leads', { token: secret }), 401, 'unauthorized');
  });

  it('refuses an expired key with 401 and lists it as expired', async () => {
    const { secret, id } = await createKey(h, admin.accessToken, { scopes: ['leads:read'], expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await h.request('GET', '/api/leads', { token: secret })).status).toBe(200);
    await h.raw.query(`update api_keys set expires_at = now() - interval '1 second' where id = $1`, [id]);
    const body = await expectError(await h.request('GET', '/api/leads', { token: secret }), 401, 'unauthorized');
    expect(body.message).toMatch(/expired/);
    expect((await json(await h.request('GET', `/api/api-keys/${id}`, { token: admin.accessToken }))).data.status).toBe('expired');
    await expectError(await h.request('POST', `/api/api-keys/${id}/rotate`, { token: admin.accessToken }), 409, 'conflict');
  });

  it.each([
    ['unknown secret', () => `crm_sk_${'a'.repeat(32)}_${'b'.repeat(43)}`],
    ['truncated', () => 'crm_sk_abc'],
    ['prefix only', () => 'crm_sk_'],
  ])('refuses a %s key with 401', async (_why, make) => {
    await expectError(await h.request('GET', '/api/leads', { token: make() }), 401, 'unauthorized');
  });

  it('refuses a key (or any credential) in the query string', async () => {
    const secret = await key(['leads:read']);
    await expectError(await h.request('GET', `/api/leads?api_key=${secret}`), 401, 'unauthorized');
    await expectError(await h.request('GET', `/api/leads?q=${secret}`, { token: admin.accessToken }), 401, 'unauthorized');
    await expectError(await h.request('GET', `/api/leads?apiKey=x`, { token: secret }), 401, 'unauthorized');
  });
});

describe('plan gate (API keys are Enterprise)', () => {
  it('a free tenant, and a pro one, get 403 plan_feature_unavailable', async () => {
    const slug = `free-${crypto.randomUUID().slice(0, 8)}`;
    const reg = await h.request('POST', '/api/auth/register', {
      body: { tenantName: 'Free Co', tenantSlug: slug, name: 'Fay', email: `fay@${slug}.example`, password: 'Correct-Horse-42' },
    });
    expect(reg.status).toBe(201);
    const token = (await json(reg)).data.tokens.accessToken;
    const create = () => h.request('POST', '/api/api-keys', { token, body: { name: 'x', scopes: ['leads:read'] } });
    await expectError(await create(), 403, 'plan_feature_unavailable');
    await expectError(await h.request('GET', '/api/api-keys', { token }), 403, 'plan_feature_unavailable');
    await h.raw.query(`update tenants set plan = 'pro' where slug = $1`, [slug]);
    await expectError(await create(), 403, 'plan_feature_unavailable');
  });

  it('a tenant that leaves Enterprise keeps its keys, unusable until it is back', async () => {
    const fresh = await createHarness();
    const a = await fresh.login('mycompany', 'tenant_admin');
    const { secret } = await createKey(fresh, a.accessToken, { scopes: ['leads:read'] });
    await fresh.raw.query(`update tenants set plan = 'pro' where id = $1`, [a.tenantId]);
    await expectError(await fresh.request('GET', '/api/leads', { token: secret }), 403, 'plan_feature_unavailable');
    await fresh.raw.query(`update tenants set plan = 'enterprise' where id = $1`, [a.tenantId]);
    expect((await fresh.request('GET', '/api/leads', { token: secret })).status).toBe(200);
  });
});

describe('lookup cost', () => {
  it('finds a key by one unique-index probe, however many keys exist', async () => {
    const big = await createHarness();
    const a = await big.login('acme', 'tenant_admin');
    const { secret } = await createKey(big, a.accessToken, { scopes: ['leads:read'] });
    // 30,000 keys over the demo tenants: 15,000 in the key's own tenant.
    await big.raw.query(
      `insert into api_keys (tenant_id, name, scopes, token_hash, prefix, last_four)
       select t.id, 'bulk ' || i, '{leads:read}', md5(t.id::text || i) || md5(i::text || t.id::text), 'crm_sk_bulk', 'abcd'
         from tenants t cross join generate_series(1, 15000) i where t.slug in ('acme', 'mycompany')`,
    );
    await big.raw.query('analyze api_keys');
    const { result, statements, params } = await big.countQueries(() => big.request('GET', '/api/leads', { token: secret }));
    expect(result.status).toBe(200);
    const index = statements.findIndex((s) => /from "api_keys"/.test(s) && /"token_hash" = \$/.test(s));
    expect(index).toBeGreaterThanOrEqual(0);
    const literal = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
    const inlined = (statements[index] as string).replace(/\$(\d+)/g, (_m, n) => literal(params[index]?.[Number(n) - 1]));
    const explained = await big.db.transaction(a.tenantId, (q) => q.execute(sql.raw(`explain ${inlined}`)));
    const rows = (explained as { rows?: Record<string, string>[] }).rows ?? (explained as unknown as Record<string, string>[]);
    const plan = rows.map((r) => Object.values(r)[0]).join('\n');
    expect(plan).toMatch(/Index Scan using api_keys_token_hash_key on api_keys/);
    expect(plan).not.toMatch(/Seq Scan on api_keys/);
  });
});
