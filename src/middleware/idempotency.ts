import { and, eq, lt } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import type { StatusCode } from 'hono/utils/http-status';
import { idempotencyKeys } from '../db/schema/crm.ts';
import { actorOf } from '../lib/access.ts';
import type { AppEnv } from '../lib/context.ts';
import { sha256Hex } from '../lib/crypto.ts';
import { ApiError } from '../lib/errors.ts';

const TTL_MS = 24 * 60 * 60 * 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['location', 'etag', 'content-type'];

/**
 * Idempotency-Key on POST (IETF draft, Stripe semantics). The key is claimed
 * in its own short transaction (a unique index makes concurrent duplicates
 * collide), the request runs, and a 2xx response is stored for 24 h. A replay
 * returns the stored response; the same key with another body is 422; while
 * the first is still running, 409. Non-2xx outcomes store nothing, so a
 * corrected retry may reuse the key.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (c.req.method !== 'POST' || key === undefined) return next();
  if (!KEY.test(key)) {
    throw new ApiError('validation_error', 'Invalid Idempotency-Key', [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }]);
  }
  const tenantDb = c.get('tenantDb');
  const actor = actorOf(c.get('principal'));
  // Scoped per credential: a user's keys and an API key's keys never meet.
  const scope = `${actor.type === 'api_key' ? `key:${actor.id}` : actor.id} ${c.req.method} ${c.req.path}`;
  const requestHash = await sha256Hex(await c.req.text());
  const mine = and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key));

  const existing = await tenantDb.transaction(async (s) => {
    await s.delete(idempotencyKeys, and(mine, lt(idempotencyKeys.expiresAt, new Date())));
    const claimed = await s
      .insert(idempotencyKeys, { scope, key, requestHash, expiresAt: new Date(Date.now() + TTL_MS) })
      .onConflictDoNothing()
      .returning({ id: idempotencyKeys.id });
    if (claimed.length) return null;
    const [row] = await s.select(idempotencyKeys, { where: mine, limit: 1 });
    return row ?? null;
  });

  if (existing) {
    if (existing.requestHash !== requestHash) {
      throw new ApiError('idempotency_conflict', 'This Idempotency-Key was used with a different request body');
    }
    if (existing.state === 'running') {
      throw new ApiError('conflict', 'A request with this Idempotency-Key is still being processed');
    }
    // Through the context, so this request's own headers (X-Request-ID, RateLimit, Vary) are added.
    return c.newResponse(existing.responseBody, (existing.responseStatus ?? 200) as StatusCode, {
      ...existing.responseHeaders,
      'Idempotent-Replayed': 'true',
    });
  }

  await next();
  if (c.res.status >= 200 && c.res.status < 300) {
    const headers = Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (c.res.headers.has(h) ? [[h, c.res.headers.get(h) as string]] : [])));
    const responseBody = await c.res.clone().text();
    await tenantDb.transaction((s) => s.update(idempotencyKeys, { state: 'done', responseStatus: c.res.status, responseBody, responseHeaders: headers }, mine));
  } else {
    await tenantDb.transaction((s) => s.delete(idempotencyKeys, mine));
  }
});
