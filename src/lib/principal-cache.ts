/**
 * What the credential check read from the database, kept for a short while
 * per process (Node/Deno) or isolate (Workers), so an authenticated read costs
 * one database round trip, not two. Correctness rests on three things:
 * - entries live at most `ttlMs`, which config caps at 60 s: the spec's bound
 *   for a role or status change to reach a request (SPEC §3) on any instance;
 * - every change this instance makes to a user, an API key or a tenant's
 *   plan/status drops that tenant's entries at once (`invalidateTenant`), so
 *   here the change applies on the very next request;
 * - the size is bounded (oldest entries go first), so a flood of distinct
 *   credentials cannot grow memory.
 * ttlMs 0 turns caching off: every request reads the rows.
 */
export interface PrincipalCache {
  get<T>(key: string): T | undefined;
  set(key: string, tenantId: string, value: unknown): void;
  invalidateTenant(tenantId: string): void;
  clear(): void;
}

const MAX_ENTRIES = 10_000;

export function createPrincipalCache(ttlMs: number, now: () => number = Date.now): PrincipalCache {
  const entries = new Map<string, { tenantId: string; value: unknown; expires: number }>();
  return {
    get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value as T;
    },
    set(key, tenantId, value) {
      if (ttlMs <= 0) return;
      entries.delete(key);
      if (entries.size >= MAX_ENTRIES) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(key, { tenantId, value, expires: now() + ttlMs });
    },
    invalidateTenant(tenantId) {
      for (const [key, entry] of entries) if (entry.tenantId === tenantId) entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}
