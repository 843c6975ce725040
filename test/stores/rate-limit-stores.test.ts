import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryRateLimitStore, type RateLimitStore } from '../../src/lib/rate-limit.ts';
import { redisRateLimitStore } from '../../src/lib/rate-limit-redis.ts';
import { upstashRateLimitStore } from '../../src/lib/rate-limit-upstash.ts';
import { startUpstashBridge, type UpstashBridge } from '../upstash-bridge.ts';
import { closedPort, localRedis, silentServer } from './services.ts';

/**
 * One behavioural suite, three stores: in memory, Redis (the real server on
 * this machine, REDIS_URL) and Upstash (the real @upstash/ratelimit and
 * @upstash/redis clients through test/upstash-bridge.ts to the same Redis).
 * Every test uses its own key prefix, so parallel runs never share counters.
 */
const redis = await localRedis();
if ('skip' in redis) console.warn(`[stores] skipping the Redis and Upstash stores: ${redis.skip}`);
const redisSkip = 'skip' in redis ? redis.skip : null;
const TIMEOUT_MS = 400;

let bridge: UpstashBridge | undefined;
beforeAll(async () => {
  if (!('skip' in redis)) bridge = await startUpstashBridge(redis.url);
});
afterAll(() => bridge?.close());

const open: RateLimitStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close?.()));
});
const track = (store: RateLimitStore) => {
  open.push(store);
  return store;
};

interface Kind {
  name: string;
  skip: string | null;
  /** Stores made with the same prefix share counters (like app instances sharing one Redis). */
  shared: boolean;
  make(prefix: string): RateLimitStore;
  unreachable?(port: number): RateLimitStore;
}

const kinds: Kind[] = [
  { name: 'memory', skip: null, shared: false, make: () => memoryRateLimitStore() },
  {
    name: 'redis',
    skip: redisSkip,
    shared: true,
    make: (prefix) => redisRateLimitStore({ url: (redis as { url: string }).url, timeoutMs: TIMEOUT_MS, prefix: `${prefix}:` }),
    unreachable: (port) => redisRateLimitStore({ url: `redis://127.0.0.1:${port}`, timeoutMs: TIMEOUT_MS }),
  },
  {
    name: 'upstash',
    skip: redisSkip,
    shared: true,
    make: (prefix) => upstashRateLimitStore({ url: bridge?.url as string, token: bridge?.token as string, timeoutMs: TIMEOUT_MS, prefix }),
    unreachable: (port) => upstashRateLimitStore({ url: `http://127.0.0.1:${port}`, token: 'x', timeoutMs: TIMEOUT_MS }),
  },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Upstash windows are aligned to the clock: start a counting test well inside one. */
async function awayFromBoundary(windowSeconds: number) {
  const w = windowSeconds * 1000;
  const left = w - (Date.now() % w);
  if (left < 1_500) await sleep(left + 50);
}
const prefix = () => `test:${crypto.randomUUID()}`;

describe.each(kinds)('$name rate-limit store', (kind) => {
  const it_ = kind.skip ? it.skip : it;

  it_('allows up to the limit in a window, then refuses, reporting what is left and when it resets', async () => {
    const store = track(kind.make(prefix()));
    await awayFromBoundary(60);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await store.hit('k', 3, 60));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    for (const r of results) {
      expect(r.limit).toBe(3);
      expect(r.resetSeconds).toBeGreaterThan(0);
      expect(r.resetSeconds).toBeLessThanOrEqual(60);
    }
  });

  it_('peek reports without counting, and says "refused" once the limit is used up', async () => {
    const store = track(kind.make(prefix()));
    await awayFromBoundary(60);
    for (let i = 0; i < 5; i++) expect(await store.peek('k', 2, 60)).toMatchObject({ allowed: true, remaining: 2 });
    await store.hit('k', 2, 60);
    expect(await store.peek('k', 2, 60)).toMatchObject({ allowed: true, remaining: 1 });
    await store.hit('k', 2, 60);
    expect(await store.peek('k', 2, 60)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it_('counts a cost, keeps keys apart, and reset forgets a key', async () => {
    const store = track(kind.make(prefix()));
    await awayFromBoundary(60);
    expect(await store.hit('a', 5, 60, 4)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await store.hit('a', 5, 60, 2)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await store.hit('b', 5, 60)).toMatchObject({ allowed: true, remaining: 4 });
    await store.reset('a', 60);
    expect(await store.hit('a', 5, 60)).toMatchObject({ allowed: true, remaining: 4 });
    expect(await store.peek('b', 5, 60)).toMatchObject({ remaining: 4 });
  });

  it_('starts a fresh window once the window has passed', async () => {
    const store = track(kind.make(prefix()));
    await awayFromBoundary(1);
    await store.hit('k', 1, 1);
    expect((await store.hit('k', 1, 1)).allowed).toBe(false);
    await sleep(2_100);
    expect(await store.hit('k', 1, 1)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it_('counts concurrent hits atomically: exactly the limit is allowed', async () => {
    const store = track(kind.make(prefix()));
    await awayFromBoundary(60);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.hit('burst', 20, 60)));
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
  });

  if (kind.shared) {
    it_('enforces one combined limit across store instances sharing the backend', async () => {
      const p = prefix();
      const a = track(kind.make(p));
      const b = track(kind.make(p));
      await awayFromBoundary(60);
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).hit('shared', 10, 60)));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      expect((await a.peek('shared', 10, 60)).allowed).toBe(false);
      expect((await b.peek('shared', 10, 60)).allowed).toBe(false);
    });

    it_('rejects quickly when the store refuses connections', async () => {
      const store = track((kind.unreachable as (port: number) => RateLimitStore)(await closedPort()));
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await expect(store.hit('k', 5, 60)).rejects.toThrow();
        await expect(store.peek('k', 5, 60)).rejects.toThrow();
        expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 2 + 300);
      }
    });

    it_('rejects after its timeout when the store accepts but never answers', async () => {
      const silent = await silentServer(kind.name === 'redis' ? 'tcp' : 'http');
      try {
        const store = track((kind.unreachable as (port: number) => RateLimitStore)(silent.port));
        for (const op of [() => store.hit('k', 5, 60), () => store.peek('k', 5, 60)]) {
          const started = performance.now();
          await expect(op()).rejects.toThrow();
          const elapsed = performance.now() - started;
          expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.8);
          expect(elapsed).toBeLessThan(TIMEOUT_MS + 600);
        }
      } finally {
        await silent.close();
      }
    });
  }
});
