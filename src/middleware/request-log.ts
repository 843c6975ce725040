import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../lib/context.ts';

/** One structured line per request: ids, status and timing only (never bodies, headers or tokens). */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  const principal = c.get('principal');
  c.get('deps').logger.info('request', {
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    tenantId: principal?.tenant.id ?? c.get('tenantHint')?.tenant?.id,
    userId: principal?.userId,
    keyId: principal?.keyId ?? undefined,
    ip: c.get('clientIp'),
  });
});
