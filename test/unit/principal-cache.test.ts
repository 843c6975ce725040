import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createPrincipalCache } from '../../src/lib/principal-cache.ts';
import { TEST_ENV } from '../harness.ts';

describe('principal cache', () => {
  it('serves an entry until its TTL, then reads again', () => {
    let now = 1_000;
    const cache = createPrincipalCache(30_000, () => now);
    cache.set('user:a:1', 't1', { role: 'manager' });
    now += 29_999;
    expect(cache.get('user:a:1')).toEqual({ role: 'manager' });
    now += 1;
    expect(cache.get('user:a:1')).toBeUndefined();
  });

  it('drops every entry of one tenant at once, and only that tenant', () => {
    const cache = createPrincipalCache(30_000);
    cache.set('user:a:1', 't1', 'a');
    cache.set('key:h1', 't1', 'k');
    cache.set('user:b:1', 't2', 'b');
    cache.invalidateTenant('t1');
    expect(cache.get('user:a:1')).toBeUndefined();
    expect(cache.get('key:h1')).toBeUndefined();
    expect(cache.get('user:b:1')).toBe('b');
  });

  it('stays bounded: the oldest entries go first', () => {
    const cache = createPrincipalCache(30_000);
    for (let i = 0; i < 10_005; i++) cache.set(`user:${i}:1`, 't', i);
    expect(cache.get('user:0:1')).toBeUndefined();
    expect(cache.get('user:4:1')).toBeUndefined();
    expect(cache.get('user:5:1')).toBe(5);
    expect(cache.get('user:10004:1')).toBe(10_004);
  });

  it('TTL 0 caches nothing', () => {
    const cache = createPrincipalCache(0);
    cache.set('user:a:1', 't1', 'a');
    expect(cache.get('user:a:1')).toBeUndefined();
  });

  it('config refuses a TTL beyond the spec freshness bound of 60 s', () => {
    expect(loadConfig({ ...TEST_ENV }).PRINCIPAL_CACHE_TTL_MS).toBe(30_000);
    expect(loadConfig({ ...TEST_ENV, PRINCIPAL_CACHE_TTL_MS: '60000' }).PRINCIPAL_CACHE_TTL_MS).toBe(60_000);
    expect(() => loadConfig({ ...TEST_ENV, PRINCIPAL_CACHE_TTL_MS: '60001' })).toThrow(/PRINCIPAL_CACHE_TTL_MS/);
  });
});
