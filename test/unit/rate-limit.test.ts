import { describe, expect, it } from 'vitest';
import { memoryRateLimitStore, rateLimitHeaders } from '../../src/lib/rate-limit.ts';

function fakeClock(start = 1_800_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('memoryRateLimitStore', () => {
  it('allows up to the limit within a window, then refuses', async () => {
    const clock = fakeClock();
    const store = memoryRateLimitStore(clock.now);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await store.hit('k', 3, 60));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[0]).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 60 });
  });

  it('resets after the window, not before', async () => {
    const clock = fakeClock();
    const store = memoryRateLimitStore(clock.now);
    for (let i = 0; i < 3; i++) await store.hit('k', 2, 60);
    clock.advance(30_000);
    expect(await store.peek('k', 2, 60)).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 30 });
    clock.advance(29_999);
    const late = await store.hit('k', 2, 60);
    expect(late.allowed).toBe(false);
    expect(late.resetSeconds).toBe(1);
    clock.advance(1);
    const fresh = await store.hit('k', 2, 60);
    expect(fresh).toEqual({ allowed: true, limit: 2, remaining: 1, resetSeconds: 60 });
  });

  it('keeps keys apart', async () => {
    const store = memoryRateLimitStore(fakeClock().now);
    await store.hit('a', 1, 60);
    expect((await store.hit('a', 1, 60)).allowed).toBe(false);
    expect((await store.hit('b', 1, 60)).allowed).toBe(true);
  });

  it('peek reports without counting', async () => {
    const store = memoryRateLimitStore(fakeClock().now);
    for (let i = 0; i < 10; i++) {
      expect(await store.peek('k', 2, 60)).toMatchObject({ allowed: true, remaining: 2 });
    }
    expect(await store.hit('k', 2, 60)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await store.peek('k', 2, 60)).toMatchObject({ allowed: true, remaining: 1 });
    await store.hit('k', 2, 60);
    // Limit used up: the next attempt would be refused, so peek says so.
    expect(await store.peek('k', 2, 60)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('counts a cost, and reset forgets the key', async () => {
    const store = memoryRateLimitStore(fakeClock().now);
    expect(await store.hit('k', 5, 60, 4)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await store.hit('k', 5, 60, 2)).toMatchObject({ allowed: false, remaining: 0 });
    await store.reset('k', 60);
    expect(await store.hit('k', 5, 60)).toMatchObject({ allowed: true, remaining: 4 });
  });
});

describe('rateLimitHeaders', () => {
  it('formats the IETF RateLimit and RateLimit-Policy headers without Retry-After when allowed', () => {
    const headers = rateLimitHeaders('ip', 60, { allowed: true, limit: 100, remaining: 99, resetSeconds: 42 });
    expect(headers).toEqual({ 'RateLimit-Policy': '"ip";q=100;w=60', RateLimit: '"ip";r=99;t=42' });
  });

  it('adds Retry-After (at least 1 second) when refused', () => {
    expect(rateLimitHeaders('login', 900, { allowed: false, limit: 5, remaining: 0, resetSeconds: 300 })).toEqual({
      'RateLimit-Policy': '"login";q=5;w=900',
      RateLimit: '"login";r=0;t=300',
      'Retry-After': '300',
    });
    expect(rateLimitHeaders('login', 900, { allowed: false, limit: 5, remaining: 0, resetSeconds: 0 })['Retry-After']).toBe('1');
  });
});
