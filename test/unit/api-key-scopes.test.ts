import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { apiKeySecret } from '../../src/lib/api-key-secret.ts';
import { adminResources, coversScopes, requiredScope, scopeAllows, scopes } from '../../src/lib/scopes.ts';

const TEST_ENV = { JWT_SECRET: 'unit-test-jwt-secret-long-enough-0123456789', PLATFORM_ADMIN_KEY: 'unit-test-platform-key-long-enough-01234567' };

describe('API key scopes', () => {
  it('offers read/write/delete/export on data resources, admin on administrative ones, and *', () => {
    expect(scopes).toContain('*');
    expect(scopes).toEqual(expect.arrayContaining(['leads:read', 'leads:write', 'leads:delete', 'leads:export', 'deals:export', 'activities:write']));
    for (const r of adminResources) {
      expect(scopes).toContain(`${r}:admin`);
      expect(scopes).not.toContain(`${r}:read`);
    }
    expect(scopes).not.toContain('leads:admin');
  });

  it('does not let one action imply another', () => {
    expect(scopeAllows(['leads:write'], 'leads', 'write')).toBe(true);
    expect(scopeAllows(['leads:write'], 'leads', 'read')).toBe(false);
    expect(scopeAllows(['leads:read'], 'contacts', 'read')).toBe(false);
  });

  it('lets * cover every data action but no administrative resource', () => {
    for (const action of ['read', 'write', 'delete', 'export'] as const) expect(scopeAllows(['*'], 'deals', action)).toBe(true);
    for (const r of adminResources) {
      expect(scopeAllows(['*'], r, 'read')).toBe(false);
      expect(scopeAllows(['*'], r, 'admin')).toBe(false);
      expect(scopeAllows([`${r}:admin`], r, 'read')).toBe(true);
      expect(requiredScope(r, 'read')).toBe(`${r}:admin`);
    }
    expect(scopeAllows(['*'], 'leads', 'admin')).toBe(false);
  });

  it('a key grants only scopes it holds (or data scopes under its *)', () => {
    expect(coversScopes(['*'], ['leads:read', 'deals:delete'])).toBe(true);
    expect(coversScopes(['*'], ['users:admin'])).toBe(false);
    expect(coversScopes(['leads:read'], ['*'])).toBe(false);
    expect(coversScopes(['leads:read', 'api_keys:admin'], ['leads:read', 'api_keys:admin'])).toBe(true);
    expect(coversScopes(['leads:read'], ['leads:write'])).toBe(false);
  });
});

describe('API key secrets', () => {
  const tenantId = '3f2a9c1e-0b7d-4e5f-8a6b-2c3d4e5f6a7b';

  it('carries the prefix and the tenant, and 256 random bits', () => {
    const a = apiKeySecret.create(tenantId);
    const b = apiKeySecret.create(tenantId);
    expect(a).toMatch(/^crm_sk_3f2a9c1e0b7d4e5f8a6b2c3d4e5f6a7b_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(apiKeySecret.tenantOf(a)).toBe(tenantId);
    expect(apiKeySecret.isApiKey(a)).toBe(true);
    expect(apiKeySecret.visible(a)).toEqual({ prefix: a.slice(0, 12), lastFour: a.slice(-4) });
  });

  it('tells keys from JWTs and rejects malformed keys', () => {
    expect(apiKeySecret.isApiKey('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
    for (const bad of [
      'crm_sk_',
      `crm_sk_${'g'.repeat(32)}_${'a'.repeat(43)}`,
      `crm_sk_${'a'.repeat(32)}_${'a'.repeat(42)}`,
      `rt_${tenantId}.${'a'.repeat(43)}`,
    ]) {
      expect(apiKeySecret.tenantOf(bad)).toBeNull();
    }
  });
});

describe('rate-limit store configuration', () => {
  it('defaults to the spec numbers', () => {
    const c = loadConfig({ ...TEST_ENV });
    expect([c.RATE_LIMIT_TENANT_FREE_PER_MINUTE, c.RATE_LIMIT_TENANT_PRO_PER_MINUTE, c.RATE_LIMIT_TENANT_ENTERPRISE_PER_MINUTE]).toEqual([300, 1200, 6000]);
    expect(c.RATE_LIMIT_STORE_TIMEOUT_MS).toBe(500);
  });

  it('wants both Upstash variables, and not Redis as well', () => {
    expect(() => loadConfig({ ...TEST_ENV, UPSTASH_REDIS_REST_URL: 'https://x.upstash.io' })).toThrow(/UPSTASH_REDIS_REST_TOKEN: missing/);
    expect(() =>
      loadConfig({ ...TEST_ENV, UPSTASH_REDIS_REST_URL: 'https://x.upstash.io', UPSTASH_REDIS_REST_TOKEN: 't', REDIS_URL: 'redis://127.0.0.1:6379' }),
    ).toThrow(/REDIS_URL: set either/);
    expect(loadConfig({ ...TEST_ENV, REDIS_URL: 'redis://127.0.0.1:6379' }).REDIS_URL).toBe('redis://127.0.0.1:6379');
  });
});
