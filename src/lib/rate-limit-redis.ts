import Redis from 'ioredis';
import type { Logger } from './logger.ts';
import type { RateLimitResult, RateLimitStore } from './rate-limit.ts';

/**
 * The Redis store (Node and Deno fleets, REDIS_URL): every instance counts in
 * the same keys, so N instances enforce one combined limit. Never imported by
 * the Workers entry (ioredis needs TCP sockets).
 */

// One atomic step: count, and start the window's expiry on its first hit (or
// if a key somehow lost its TTL, so a counter can never live forever).
const HIT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}`;

const PEEK = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
return {count, redis.call('PTTL', KEYS[1])}`;

// While ioredis is between reconnection attempts the store is known to be
// down: fail at once instead of queueing the command until its timeout.
const DOWN = new Set(['reconnecting', 'close', 'end']);

type Counters = Redis & {
  rateLimitHit(key: string, cost: number, windowMs: number): Promise<[number, number]>;
  rateLimitPeek(key: string): Promise<[number, number]>;
};

export interface RedisStoreOptions {
  url: string;
  /** Upper bound for connecting and for each command. */
  timeoutMs: number;
  /** Namespaces the counters (several apps, or parallel test runs, sharing one Redis). */
  prefix?: string;
  logger?: Logger;
}

export function redisRateLimitStore(options: RedisStoreOptions): RateLimitStore {
  const client = new Redis(options.url, {
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    // A command caught by a dropped connection fails now rather than being replayed later.
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    keyPrefix: options.prefix ?? 'crm:rl:',
  }) as Counters;
  client.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT });
  client.defineCommand('rateLimitPeek', { numberOfKeys: 1, lua: PEEK });
  let warned = false;
  client.on('error', (err: Error) => {
    // ioredis reports every failed reconnection; one warning per outage is enough.
    if (!warned) options.logger?.warn('redis rate limit store unavailable', { error: err.message });
    warned = true;
  });
  client.on('ready', () => {
    warned = false;
  });

  const available = () => {
    if (DOWN.has(client.status)) throw new Error(`redis rate limit store is ${client.status}`);
  };
  const result = ([count, ttlMs]: [number, number], limit: number, windowSeconds: number, allowed: boolean): RateLimitResult => ({
    allowed,
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds: ttlMs > 0 ? Math.ceil(ttlMs / 1000) : windowSeconds,
  });

  return {
    async hit(key, limit, windowSeconds, cost = 1) {
      available();
      const state = await client.rateLimitHit(key, cost, windowSeconds * 1000);
      return result(state, limit, windowSeconds, state[0] <= limit);
    },
    async peek(key, limit, windowSeconds) {
      available();
      const state = await client.rateLimitPeek(key);
      return result(state, limit, windowSeconds, state[0] < limit);
    },
    async reset(key) {
      available();
      await client.del(key);
    },
    async close() {
      client.disconnect();
    },
  };
}
