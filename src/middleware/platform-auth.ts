import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../lib/context.ts';
import { timingSafeEqualStrings } from '../lib/crypto.ts';
import { ApiError } from '../lib/errors.ts';

/**
 * The platform operators' credential: `Authorization: Bearer <PLATFORM_ADMIN_KEY>`,
 * compared in constant time. Tenant credentials never pass here, nor this key elsewhere.
 */
export const platformAuth = createMiddleware<AppEnv>(async (c, next) => {
  const match = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '');
  if (!match?.[1] || !(await timingSafeEqualStrings(match[1], c.get('deps').config.PLATFORM_ADMIN_KEY))) {
    throw new ApiError('unauthorized', 'A valid platform operator key is required');
  }
  await next();
});
