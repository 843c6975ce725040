import { Ratelimit } from '@upstash/ratelimit';
// The fetch-only build: the same client on Workers, Node and Deno (no Node agent, no cache option).
import { Redis } from '@upstash/redis/cloudflare';
import { type RateLimitStore, withTimeout } from './rate-limit.ts';

export interface UpstashStoreOptions {
  url: string;
  token: string;
  /** Upper bound for each call; Ratelimit's own default is 5 s and then it silently allows. */
  timeoutMs: number;
  prefix?: string;
}

/**
 * The Upstash store (Workers; Node/Deno when its env vars are set) through
 * `@upstash/ratelimit`'s fixed window. Its windows are aligned to the clock
 * (bucket = now / window), where the memory and Redis stores start a window at
 * its first hit: both are fixed windows of the same length and limit.
 */
export function upstashRateLimitStore(options: UpstashStoreOptions): RateLimitStore {
  const prefix = options.prefix ?? 'crm:rl';
  const redis = new Redis({
    url: options.url,
    token: options.token,
    // No retries with backoff (five by default) and a hard deadline per HTTP call:
    // a function signal makes an aborted call throw instead of answering "Aborted".
    retry: { retries: 0 },
    signal: () => AbortSignal.timeout(options.timeoutMs),
    enableTelemetry: false,
  });
  const limiters = new Map<string, Ratelimit>();
  const limiter = (limit: number, windowSeconds: number) => {
    const id = `${limit}/${windowSeconds}`;
    let rl = limiters.get(id);
    if (!rl) {
      rl = new Ratelimit({
        redis,
        limiter: Ratelimit.fixedWindow(limit, `${windowSeconds} s`),
        prefix,
        timeout: options.timeoutMs,
        analytics: false,
        // The in-isolate block cache would outlive reset() (login success) on other isolates.
        ephemeralCache: false,
      });
      limiters.set(id, rl);
    }
    return rl;
  };
  const secondsUntil = (resetAt: number) => Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));

  return {
    async hit(key, limit, windowSeconds, cost = 1) {
      const r = await limiter(limit, windowSeconds).limit(key, { rate: cost });
      // Ratelimit answers a timeout with success: true; the caller decides how to fail.
      if (r.reason === 'timeout') throw new Error(`upstash rate limit store did not answer within ${options.timeoutMs} ms`);
      return { allowed: r.success, limit, remaining: r.remaining, resetSeconds: secondsUntil(r.reset), pending: r.pending };
    },
    async peek(key, limit, windowSeconds) {
      const r = await withTimeout(limiter(limit, windowSeconds).getRemaining(key), options.timeoutMs);
      return { allowed: r.remaining > 0, limit, remaining: r.remaining, resetSeconds: secondsUntil(r.reset) };
    },
    async reset(key, windowSeconds) {
      // Ratelimit's resetUsedTokens SCANs the whole keyspace inside a script;
      // the current window's key is known (fixedWindow names it
      // `<prefix>:<identifier>:<bucket>`), so delete just that one.
      const bucket = Math.floor(Date.now() / (windowSeconds * 1000));
      await redis.del(`${prefix}:${key}:${bucket}`);
    },
  };
}
