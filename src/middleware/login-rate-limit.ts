import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { findTenant } from '../db/tenants.ts';
import type { AppEnv } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';
import { mergeRateLimitHeaders, type RateLimitResult, rateLimitHeaders } from '../lib/rate-limit.ts';
import { sendSecurityAlert } from '../lib/security-alerts.ts';
import { recordSecurityEvent } from '../lib/security-events.ts';
import { keepAlive } from './rate-limit.ts';

const unavailable = (what: string) => new ApiError('service_unavailable', `${what} is temporarily unavailable; retry shortly`);

interface CredentialLimit {
  /** Key prefix and RateLimit policy name; `<name>-ip` for the per-IP policy. */
  name: string;
  what: string;
  refused: string;
  /** Whether this response counts against the limits. */
  counts: (status: number) => boolean;
  /** A success clears the per-email count (a correct login), or leaves it (requests that always succeed). */
  resetOnSuccess: boolean;
  /** Record and alert when a request uses up the per-email allowance (src/lib/security-alerts.ts). */
  alertOnLockout: boolean;
}

/**
 * Per tenant+email and per IP limits (RATE_LIMIT_LOGIN_*), checked before the
 * handler runs, counted after it by the response. If the store is down, the
 * route fails closed: better none of it than unlimited guessing.
 */
const credentialRateLimit = (policy: CredentialLimit) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const { config, rateLimits } = c.get('deps');
    const body = (await c.req.json().catch(() => ({}))) as { email?: unknown; tenant?: unknown };
    const email = typeof body.email === 'string' ? body.email.toLowerCase() : '';
    const hint = c.get('tenantHint');
    const tenant = hint?.tenant?.id ?? (typeof body.tenant === 'string' ? body.tenant.toLowerCase() : (hint?.value ?? ''));
    const window = config.RATE_LIMIT_LOGIN_WINDOW_SECONDS;
    const keys = [
      { key: `${policy.name}:${tenant}:${email}`, limit: config.RATE_LIMIT_LOGIN_PER_EMAIL, policy: policy.name },
      { key: `${policy.name}-ip:${c.get('clientIp')}`, limit: config.RATE_LIMIT_LOGIN_PER_IP, policy: `${policy.name}-ip` },
    ];
    let results: RateLimitResult[];
    try {
      results = await Promise.all(keys.map((k) => rateLimits.peek(k.key, k.limit, window)));
    } catch {
      throw unavailable(policy.what);
    }
    const refused = results.findIndex((r) => !r.allowed);
    if (refused >= 0) {
      const k = keys[refused];
      const r = results[refused];
      throw new ApiError('rate_limit_exceeded', policy.refused, undefined, k && r ? rateLimitHeaders(k.policy, window, r) : undefined);
    }
    await next();
    // The state after this attempt, for the response's RateLimit headers.
    let after = results;
    let tripped = false;
    try {
      if (policy.counts(c.res.status)) {
        after = await Promise.all(keys.map((k) => rateLimits.hit(k.key, k.limit, window)));
        for (const r of after) keepAlive(c, r.pending);
        tripped = policy.alertOnLockout && (results[0]?.remaining ?? 0) > 0 && after[0]?.remaining === 0;
      } else if (policy.resetOnSuccess && c.res.ok && keys[0]) {
        await rateLimits.reset(keys[0].key, window);
        after = results.map((r, i) => (i === 0 ? { ...r, remaining: r.limit } : r));
      }
    } catch {
      c.get('deps').logger.warn('rate limit store unavailable after the request', { requestId: c.get('requestId'), policy: policy.name });
    }
    if (tripped) {
      await lockedOut(c, email, typeof body.tenant === 'string' ? body.tenant : undefined).catch((err) =>
        c.get('deps').logger.error('login lockout not recorded', { requestId: c.get('requestId'), error: String((err as Error).message ?? err) }),
      );
    }
    const headers = mergeRateLimitHeaders(after.map((r, i) => rateLimitHeaders((keys[i] as (typeof keys)[number]).policy, window, r)));
    for (const [name, value] of Object.entries(headers)) c.header(name, value, { append: true });
  });

/** Failed logins: five per tenant+email in 15 minutes (and per IP); only 401s count; a success clears the email's count. */
export const loginRateLimit = credentialRateLimit({
  name: 'login',
  what: 'Login',
  refused: 'Too many failed login attempts; try again later',
  counts: (status) => status === 401,
  resetOnSuccess: true,
  alertOnLockout: true,
});

/**
 * Password reset requests: the same limits, but every request counts (the
 * answer is always 202, whether the account exists or not), under its own
 * keys so that requesting resets can never lock anyone's login.
 */
export const passwordResetRateLimit = credentialRateLimit({
  name: 'password-reset',
  what: 'Password reset',
  refused: 'Too many password reset requests; try again later',
  counts: () => true,
  resetOnSuccess: false,
  alertOnLockout: false,
});

/**
 * This failure locked the account's logins: record it for the tenant's
 * security events and alert its admins (debounced, src/lib/security-alerts.ts).
 * Whether the email belongs to a user is not checked: the alert says an
 * address was attacked, and the response never differs either way.
 */
async function lockedOut(c: Context<AppEnv>, email: string, bodyTenant: string | undefined) {
  const deps = c.get('deps');
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
