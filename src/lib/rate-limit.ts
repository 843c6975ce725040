/**
 * Rate-limit stores behind one interface. Fixed windows: simple, cheap, and the
 * same semantics in memory, Redis (INCR + PEXPIRE, src/lib/rate-limit-redis.ts)
 * and Upstash (src/lib/rate-limit-upstash.ts). A store that cannot answer
 * (unreachable, or slower than its timeout) rejects; the middleware decides
 * whether that fails open (general limits) or closed (login).
 */
export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  /** Work the store still has in flight after answering (Upstash); Workers keep it alive with waitUntil. */
  pending?: Promise<unknown>;
}

export interface RateLimitStore {
  /** Adds `cost` hits to `key` in its current window and reports the state after. */
  hit(key: string, limit: number, windowSeconds: number, cost?: number): Promise<RateLimitResult>;
  /** Reports the state without counting. */
  peek(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
  /** Forgets the key's current window (the window length locates it in stores with aligned windows). */
  reset(key: string, windowSeconds: number): Promise<void>;
  /** Releases connections (servers on shutdown, tests). */
  close?(): Promise<void>;
}

/** Rejects when `promise` takes longer than `ms`: a store that hangs must not hang the request. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'rate limit store'): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function memoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const current = (key: string, windowSeconds: number) => {
    const t = now();
    let w = windows.get(key);
    if (!w || w.resetAt <= t) {
      w = { count: 0, resetAt: t + windowSeconds * 1000 };
      windows.set(key, w);
      if (windows.size > 100_000) sweep(t);
    }
    return w;
  };
  const sweep = (t: number) => {
    for (const [k, w] of windows) if (w.resetAt <= t) windows.delete(k);
  };
  const result = (w: { count: number; resetAt: number }, limit: number): RateLimitResult => ({
    allowed: w.count <= limit,
    limit,
    remaining: Math.max(0, limit - w.count),
    resetSeconds: Math.max(0, Math.ceil((w.resetAt - now()) / 1000)),
  });
  return {
    async hit(key, limit, windowSeconds, cost = 1) {
      const w = current(key, windowSeconds);
      w.count += cost;
      return result(w, limit);
    },
    async peek(key, limit, windowSeconds) {
      const w = current(key, windowSeconds);
      return { ...result(w, limit), allowed: w.count < limit };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}

/** IETF RateLimit / RateLimit-Policy headers (draft-ietf-httpapi-ratelimit-headers), plus Retry-After when refused. */
export function rateLimitHeaders(policy: string, windowSeconds: number, r: RateLimitResult): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"${policy}";q=${r.limit};w=${windowSeconds}`,
    RateLimit: `"${policy}";r=${r.remaining};t=${r.resetSeconds}`,
  };
  if (!r.allowed) headers['Retry-After'] = String(Math.max(1, r.resetSeconds));
  return headers;
}

/**
 * Several policies' headers as one set: the RateLimit fields are lists (one
 * item per policy); Retry-After is the longest wait among refused policies.
 */
export function mergeRateLimitHeaders(sets: Record<string, string>[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const set of sets) {
    for (const [name, value] of Object.entries(set)) {
      if (name === 'Retry-After') merged[name] = String(Math.max(Number(value), Number(merged[name] ?? 0)));
      else merged[name] = merged[name] ? `${merged[name]}, ${value}` : value;
    }
  }
  return merged;
}
