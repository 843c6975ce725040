import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { findTenant } from '../db/tenants.ts';
import type { AppEnv } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';
import { mergeRateLimitHeaders, type RateLimitResult, rateLimitHeaders } from '../lib/rate-limit.ts';
import { sendSecurityAlert } from '../lib/security-alerts.ts';
import { recordSecurityEvent } from '../lib/security-events.ts';
import { keepAlive } from './rate-limit.ts';

const unavailable = () => new ApiError('service_unavailable', 'Login is temporarily unavailable; retry shortly');

/**
 * Failed-login limits (per tenant+email and per IP). Checked before the
 * password is; counted only on failure. If the store is down, login fails
 * closed: better no logins than unlimited guessing.
 */
export const loginRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { config, rateLimits } = c.var.deps;
  const body = (await c.req.json().catch(() => ({}))) as { email?: unknown; tenant?: unknown };
  const email = typeof body.email === 'string' ? body.email.toLowerCase() : '';
  const hint = c.get('tenantHint');
  const tenant = hint?.tenant?.id ?? (typeof body.tenant === 'string' ? body.tenant.toLowerCase() : hint?.value ?? '');
  const window = config.RATE_LIMIT_LOGIN_WINDOW_SECONDS;
  const keys = [
    { key: `login:${tenant}:${email}`, limit: config.RATE_LIMIT_LOGIN_PER_EMAIL, policy: 'login' },
    { key: `login-ip:${c.get('clientIp')}`, limit: config.RATE_LIMIT_LOGIN_PER_IP, policy: 'login-ip' },
  ];
  let results: RateLimitResult[];
  try {
    results = await Promise.all(keys.map((k) => rateLimits.peek(k.key, k.limit, window)));
  } catch {
    throw unavailable();
  }
  const refused = results.findIndex((r) => !r.allowed);
  if (refused >= 0) {
    const k = keys[refused];
    const r = results[refused];
    throw new ApiError(
      'rate_limit_exceeded',
      'Too many failed login attempts; try again later',
      undefined,
      k && r ? rateLimitHeaders(k.policy, window, r) : undefined,
    );
  }
  await next();
  // The state after this attempt, for the response's RateLimit headers.
  let after = results;
  let tripped = false;
  try {
    if (c.res.status === 401) {
      after = await Promise.all(keys.map((k) => rateLimits.hit(k.key, k.limit, window)));
      for (const r of after) keepAlive(c, r.pending);
      tripped = (results[0]?.remaining ?? 0) > 0 && after[0]?.remaining === 0;
    } else if (c.res.ok && keys[0]) {
      await rateLimits.reset(keys[0].key, window);
      after = results.map((r, i) => (i === 0 ? { ...r, remaining: r.limit } : r));
    }
  } catch {
    c.var.deps.logger.warn('login rate limit store unavailable after login', { requestId: c.get('requestId') });
  }
  if (tripped) {
    await lockedOut(c, email, typeof body.tenant === 'string' ? body.tenant : undefined).catch((err) =>
      c.var.deps.logger.error('login lockout not recorded', { requestId: c.get('requestId'), error: String((err as Error).message ?? err) }),
    );
  }
  const headers = mergeRateLimitHeaders(after.map((r, i) => rateLimitHeaders((keys[i] as (typeof keys)[number]).policy, window, r)));
  for (const [name, value] of Object.entries(headers)) c.header(name, value, { append: true });
});

/**
 * This failure locked the account's logins: record it for the tenant's
 * security events and alert its admins (debounced, src/lib/security-alerts.ts).
 * Whether the email belongs to a user is not checked: the alert says an
 * address was attacked, and the response never differs either way.
 */
async function lockedOut(c: Context<AppEnv>, email: string, bodyTenant: string | undefined) {
  const { deps } = c.var;
  const tenantId = c.get('tenantHint')?.tenant?.id ?? (bodyTenant ? (await findTenant(deps.db, bodyTenant))?.id : undefined);
  if (!tenantId) return;
  await recordSecurityEvent(deps.db, [tenantId], {
    type: 'login_rate_limited',
    requestId: c.get('requestId'),
    ip: c.get('clientIp'),
    userAgent: c.req.header('user-agent') ?? null,
    details: { email },
  });
  await sendSecurityAlert(deps, [tenantId], { type: 'failed_logins', detail: `${email} (last attempt from ${c.get('clientIp')})` });
}
