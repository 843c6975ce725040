import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';
import { mergeRateLimitHeaders, type RateLimitResult, rateLimitHeaders } from '../lib/rate-limit.ts';
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
  try {
    if (c.res.status === 401) {
      after = await Promise.all(keys.map((k) => rateLimits.hit(k.key, k.limit, window)));
      for (const r of after) keepAlive(c, r.pending);
    } else if (c.res.ok && keys[0]) {
      await rateLimits.reset(keys[0].key, window);
      after = results.map((r, i) => (i === 0 ? { ...r, remaining: r.limit } : r));
    }
  } catch {
    c.var.deps.logger.warn('login rate limit store unavailable after login', { requestId: c.get('requestId') });
  }
  const headers = mergeRateLimitHeaders(after.map((r, i) => rateLimitHeaders((keys[i] as (typeof keys)[number]).policy, window, r)));
  for (const [name, value] of Object.entries(headers)) c.header(name, value, { append: true });
});
