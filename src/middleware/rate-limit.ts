import type { Context, Next } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Config } from '../config.ts';
import { clientIp } from '../lib/client-ip.ts';
import type { AppEnv } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';
import type { PlanId } from '../lib/plans.ts';
import { mergeRateLimitHeaders, rateLimitHeaders } from '../lib/rate-limit.ts';

const WINDOW_SECONDS = 60;

interface Policy {
  /** The name clients see in RateLimit-Policy. */
  name: string;
  key: string;
  limit: number;
}

/** Requests per minute a tenant gets on its (effective) plan; the numbers live in src/config.ts. */
export function tenantLimit(config: Config, plan: PlanId): number {
  const limits: Record<PlanId, number> = {
    free: config.RATE_LIMIT_TENANT_FREE_PER_MINUTE,
    pro: config.RATE_LIMIT_TENANT_PRO_PER_MINUTE,
    enterprise: config.RATE_LIMIT_TENANT_ENTERPRISE_PER_MINUTE,
  };
  return limits[plan];
}

/** Keeps a store's leftover work (Upstash) alive after the response on Workers; elsewhere it just runs. */
export function keepAlive(c: Context<AppEnv>, pending: Promise<unknown> | undefined) {
  if (!pending) return;
  const settled = pending.catch(() => {});
  try {
    c.executionCtx.waitUntil(settled);
  } catch {
    // Node and Deno have no execution context: nothing ends the process under a pending promise.
  }
}

/**
 * Counts the request against each policy (in parallel). If any refuses: 429
 * with every policy's headers and the longest Retry-After. Otherwise the
 * response gets the headers, appended, so the outer (per-IP) and inner
 * (credential, tenant, login) limiters build one RateLimit list. General
 * limits fail open: a policy whose store does not answer is skipped with a
 * logged warning.
 */
async function enforce(c: Context<AppEnv>, policies: Policy[], next: Next) {
  const { rateLimits, logger } = c.get('deps');
  const outcomes = await Promise.allSettled(policies.map((p) => rateLimits.hit(p.key, p.limit, WINDOW_SECONDS)));
  const sets: Record<string, string>[] = [];
  const refused: string[] = [];
  const unavailable: string[] = [];
  outcomes.forEach((outcome, i) => {
    const policy = policies[i] as Policy;
    if (outcome.status === 'rejected') {
      unavailable.push(policy.name);
      return;
    }
    keepAlive(c, outcome.value.pending);
    sets.push(rateLimitHeaders(policy.name, WINDOW_SECONDS, outcome.value));
    if (!outcome.value.allowed) refused.push(policy.name);
  });
  if (unavailable.length) {
    logger.warn('rate limit store unavailable; allowing request', { requestId: c.get('requestId'), policies: unavailable });
  }
  const headers = mergeRateLimitHeaders(sets);
  if (refused.length) {
    throw new ApiError('rate_limit_exceeded', `Too many requests (limit: ${refused.join(', ')}); retry after the time in Retry-After`, undefined, headers);
  }
  // Set before the handler runs: appended to a finished response, they would make hono copy it.
  for (const [name, value] of Object.entries(headers)) c.header(name, value, { append: true });
  await next();
}

/** Global per-IP limit, before anything else is known about the request. */
export const ipRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { config, peerIp } = c.get('deps');
  const ip = clientIp(peerIp(c), c.req.header('x-forwarded-for'), config.TRUSTED_PROXIES);
  c.set('clientIp', ip);
  await enforce(c, [{ name: 'ip', key: `ip:${ip}`, limit: config.RATE_LIMIT_IP_PER_MINUTE }], next);
});

/**
 * Per credential (each user, each API key) and per tenant by plan. Runs right
 * after the credential is verified (src/middleware/authenticate.ts): counting
 * unverified credentials would let anyone spend a tenant's budget.
 */
export const principalRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { config } = c.get('deps');
  const principal = c.get('principal');
  const credential: Policy =
    principal.kind === 'api_key'
      ? { name: 'api-key', key: `key:${principal.keyId}`, limit: principal.rateLimitPerMinute ?? config.RATE_LIMIT_API_KEY_PER_MINUTE }
      : { name: 'user', key: `user:${principal.userId}`, limit: config.RATE_LIMIT_USER_PER_MINUTE };
  const tenant: Policy = { name: 'tenant', key: `tenant:${principal.tenant.id}`, limit: tenantLimit(config, principal.tenant.plan) };
  await enforce(c, [credential, tenant], next);
});
