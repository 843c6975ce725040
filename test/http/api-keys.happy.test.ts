import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';
import { createKey, expectError } from './api-keys.helpers.ts';

let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const auditRows = (resourceId: string) =>
  h.raw.query<{ action: string; actor_type: string; actor_id: string; changes: unknown }>(
    'select action, actor_type, actor_id, changes from audit_logs where resource_id = $1 order by created_at',
    [resourceId],
  );

describe('API key lifecycle', () => {
  it('creates a key: the secret once, recognisable prefix, 201 with Location and no-store', async () => {
    const { secret, data, res } = await createKey(h, admin.accessToken, { name: 'Warehouse sync', scopes: ['leads:read', 'contacts:read'] });
    expect(secret).toMatch(/^crm_sk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(secret).toContain(admin.tenantId.replaceAll('-', ''));
    expect(res.headers.get('location')).toBe(`/api/api-keys/${data.id}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(data).toMatchObject({
      name: 'Warehouse sync',
      scopes: ['leads:read', 'contacts:read'],
      prefix: secret.slice(0, 12),
      lastFour: secret.slice(-4),
      status: 'active',
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
      createdBy: admin.userId,
      rateLimitPerMinute: null,
    });
  });

  it('never returns the secret again: list and get carry neither the secret nor its hash', async () => {
    const { secret, id } = await createKey(h, admin.accessToken, { scopes: ['leads:read'] });
    const list = await h.request('GET', '/api/api-keys', { token: admin.accessToken });
    const get = await h.request('GET', `/api/api-keys/${id}`, { token: admin.accessToken });
    expect(list.status).toBe(200);
    expect(get.status).toBe(200);
    for (const text of [await list.text(), await get.text()]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(-43));
      expect(text).not.toContain(sha256(secret));
      expect(text).not.toMatch(/"secret"|"tokenHash"/);
    }
    const listed = JSON.parse(await (await h.request('GET', '/api/api-keys?limit=100', { token: admin.accessToken })).text()).data as { id: string }[];
    expect(listed.map((k) => k.id)).toContain(id);
  });

  it('stores only the SHA-256 of the secret (plus the visible prefix and last four)', async () => {
    const { secret, id } = await createKey(h, admin.accessToken, { scopes: ['leads:read'] });
    const [row] = await h.raw.query<Record<string, unknown>>('select * from api_keys where id = $1', [id]);
    expect(row?.token_hash).toBe(sha256(secret));
    expect(row?.prefix).toBe(secret.slice(0, 12));
    expect(row?.last_four).toBe(secret.slice(-4));
    const secretPart = secret.split('_').slice(3).join('_');
    const everywhere = JSON.stringify(await h.raw.query('select * from api_keys')) + JSON.stringify(await h.raw.query('select * from audit_logs'));
    expect(everywhere).not.toContain(secret);
    expect(everywhere).not.toContain(secretPart.slice(4, -4));
    expect(h.logs.join('\n')).not.toContain(secretPart.slice(4, -4));
  });

  it('authenticates with Authorization: Bearer <key> through the same pipeline', async () => {
    const { secret } = await createKey(h, admin.accessToken, { scopes: ['leads:read'] });
    const res = await h.request('GET', '/api/leads', { token: secret });
    expect(res.status).toBe(200);
    expect((await json(res)).pagination).toBeDefined();
    const policies = res.headers.get('ratelimit-policy') ?? '';
    expect(policies).toMatch(/"api-key";q=600;w=60/);
    expect(policies).toMatch(/"tenant";q=6000;w=60/);
    expect(policies).toMatch(/"ip";q=1000;w=60/);
  });

  it('rotates: a new secret is returned once, the old one stops working at once, the id stays', async () => {
    const { secret: oldSecret, id } = await createKey(h, admin.accessToken, { scopes: ['leads:read'] });
    expect((await h.request('GET', '/api/leads', { token: oldSecret })).status).toBe(200);
    const res = await h.request('POST', `/api/api-keys/${id}/rotate`, { token: admin.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { data } = await json(res);
    expect(data.id).toBe(id);
    expect(data.secret).not.toBe(oldSecret);
    expect(data.lastFour).toBe(data.secret.slice(-4));
    await expectError(await h.request('GET', '/api/leads', { token: oldSecret }), 401, 'unauthorized');
    expect((await h.request('GET', '/api/leads', { token: data.secret })).status).toBe(200);
    const [row] = await h.raw.query<{ token_hash: string }>('select token_hash from api_keys where id = $1', [id]);
    expect(row?.token_hash).toBe(sha256(data.secret));
  });

  it('revokes: the key is refused on its next request; revoking again changes nothing; a revoked key cannot be rotated', async () => {
    const { secret, id } = await createKey(h, admin.accessToken, { scopes: ['leads:read'] });
    expect((await h.request('GET', '/api/leads', { token: secret })).status).toBe(200);
    const res = await h.request('POST', `/api/api-keys/${id}/revoke`, { token: admin.accessToken });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data.status).toBe('revoked');
    expect(data.revokedAt).not.toBeNull();
    const body = await expectError(await h.request('GET', '/api/leads', { token: secret }), 401, 'unauthorized');
    expect(body.message).toMatch(/revoked/);
    const again = await h.request('POST', `/api/api-keys/${id}/revoke`, { token: admin.accessToken });
    expect((await json(again)).data.revokedAt).toBe(data.revokedAt);
    await expectError(await h.request('POST', `/api/api-keys/${id}/rotate`, { token: admin.accessToken }), 409, 'conflict');
    expect((await auditRows(id)).filter((r) => r.action === 'api_key.revoked')).toHaveLength(1);
  });

  it('audits every key action (who, what) without the secret or hash', async () => {
    const { secret, id } = await createKey(h, admin.accessToken, { name: 'Audited', scopes: ['deals:read'], rateLimitPerMinute: 50 });
    const rotated = await json(await h.request('POST', `/api/api-keys/${id}/rotate`, { token: admin.accessToken }));
    await h.request('POST', `/api/api-keys/${id}/revoke`, { token: admin.accessToken });
    const rows = await auditRows(id);
    expect(rows.map((r) => r.action)).toEqual(['api_key.created', 'api_key.rotated', 'api_key.revoked']);
    for (const r of rows) expect(r).toMatchObject({ actor_type: 'user', actor_id: admin.userId });
    expect(rows[0]?.changes).toMatchObject({ after: { name: 'Audited', scopes: ['deals:read'], rateLimitPerMinute: 50 } });
    const text = JSON.stringify(rows);
    for (const s of [secret, rotated.data.secret]) {
      expect(text).not.toContain(s.slice(-43));
      expect(text).not.toContain(sha256(s));
    }
  });

  it('records what a key does as actor type api_key with the key id', async () => {
    const { secret, id } = await createKey(h, admin.accessToken, { scopes: ['leads:write', 'leads:delete'] });
    const created = await h.request('POST', '/api/leads', { token: secret, body: { lastName: 'Lovelace', company: 'Analytical Engines' } });
    expect(created.status).toBe(201);
    const lead = (await json(created)).data;
    // Records created through a key belong to nobody unless the request names an owner.
    expect(lead.ownerId).toBeNull();
    expect((await h.request('DELETE', `/api/leads/${lead.id}`, { token: secret })).status).toBe(204);
    const rows = await auditRows(lead.id);
    expect(rows.map((r) => r.action)).toEqual(['lead.created', 'lead.deleted']);
    for (const r of rows) expect(r).toMatchObject({ actor_type: 'api_key', actor_id: id });
  });

  it('accepts an expiry and a per-key limit; refuses a past expiry, unknown scopes and unknown fields', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { data } = await createKey(h, admin.accessToken, { scopes: ['*'], expiresAt, rateLimitPerMinute: 120 });
    expect(data).toMatchObject({ expiresAt, rateLimitPerMinute: 120, scopes: ['*'] });
    const bad = [
      { name: 'x', scopes: ['leads:read'], expiresAt: new Date(Date.now() - 1000).toISOString() },
      { name: 'x', scopes: ['leads:admin'] },
      { name: 'x', scopes: ['leads:read', 'leads:read'] },
      { name: 'x', scopes: ['users:read'] },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['leads:read'], tenantId: admin.tenantId },
      { name: 'x', scopes: ['leads:read'], tokenHash: 'f'.repeat(64) },
    ];
    for (const body of bad) {
      await expectError(await h.request('POST', '/api/api-keys', { token: admin.accessToken, body }), 400, 'validation_error');
    }
  });

  it('pages through keys newest first', async () => {
    const fresh = await createHarness();
    const a = await fresh.login('mycompany', 'tenant_admin');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createKey(fresh, a.accessToken, { name: `k${i}`, scopes: ['leads:read'] })).id);
    const first = await json(await fresh.request('GET', '/api/api-keys?limit=3', { token: a.accessToken }));
    const second = await json(await fresh.request('GET', `/api/api-keys?limit=3&cursor=${first.pagination.nextCursor}`, { token: a.accessToken }));
    expect([...first.data, ...second.data].map((k: { id: string }) => k.id)).toEqual(ids.reverse());
    expect(second.pagination.nextCursor).toBeNull();
  });
});

describe('last use', () => {
  it('records lastUsedAt at most once a minute per key, not a write per request', async () => {
    const { secret, id } = await createKey(h, admin.accessToken, { scopes: ['leads:read'] });
    const lastUsed = async () => (await h.raw.query<{ at: Date | null }>('select last_used_at as at from api_keys where id = $1', [id]))[0]?.at;
    expect(await lastUsed()).toBeNull();
    const first = await h.countQueries(() => h.request('GET', '/api/leads', { token: secret }));
    expect(first.statements.some((s) => /^update "api_keys"/i.test(s))).toBe(true);
    const recorded = await lastUsed();
    expect(recorded).toBeInstanceOf(Date);
    for (let i = 0; i < 5; i++) {
      const later = await h.countQueries(() => h.request('GET', '/api/leads', { token: secret }));
      expect(later.result.status).toBe(200);
      expect(later.statements.some((s) => /api_keys/.test(s) && /^update/i.test(s))).toBe(false);
    }
    expect((await lastUsed())?.getTime()).toBe(recorded?.getTime());
    // A minute later (moved back in the database), the next request records it again.
    await h.raw.query(`update api_keys set last_used_at = now() - interval '61 seconds' where id = $1`, [id]);
    const stale = (await lastUsed()) as Date;
    await h.request('GET', '/api/leads', { token: secret });
    expect((await lastUsed())?.getTime()).toBeGreaterThan(stale.getTime() + 60_000);
    const shown = await json(await h.request('GET', `/api/api-keys/${id}`, { token: admin.accessToken }));
    expect(shown.data.lastUsedAt).toBe(((await lastUsed()) as Date).toISOString());
  });
});
