import { createMiddleware } from 'hono/factory';
import { clientIp } from '../lib/client-ip.ts';
import type { AppEnv } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';
import { rateLimitHeaders } from '../lib/rate-limit.ts';

const WINDOW_SECONDS = 60;

/** Global per-IP limit. General limits fail open (with a warning) if the store is unreachable. */
export const ipRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { config, rateLimits, logger, peerIp } = c.var.deps;
  const ip = clientIp(peerIp(c), c.req.header('x-forwarded-for'), config.TRUSTED_PROXIES);
  c.set('clientIp', ip);
  let headers: Record<string, string> = {};
  try {
    const result = await rateLimits.hit(`ip:${ip}`, config.RATE_LIMIT_IP_PER_MINUTE, WINDOW_SECONDS);
    headers = rateLimitHeaders('ip', WINDOW_SECONDS, result);
    if (!result.allowed) throw new ApiError('rate_limit_exceeded', 'Too many requests', undefined, headers);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    logger.warn('rate limit store unavailable; allowing request', { requestId: c.get('requestId') });
  }
  await next();
  // Appended: inner limiters (login, per key) add their own policies to the same list.
  for (const [k, v] of Object.entries(headers)) c.header(k, v, { append: k !== 'Retry-After' });
});
