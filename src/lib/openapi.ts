import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import type { AppEnv } from './context.ts';
import { ApiError, type ErrorCode, errorStatus } from './errors.ts';
import { securityOf } from './route-security.ts';

/** The one validation path: every zod failure becomes `400 validation_error` with per-field details. */
export function createRouter() {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const details = result.error.issues.flatMap((issue) => {
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'unknown field' }));
        }
        // A comma-separated query value is parsed as an array; name the parameter, not `status.0`.
        const path = result.target === 'query' ? issue.path.filter((p) => typeof p !== 'number') : issue.path;
        return [{ field: path.join('.') || result.target, message: issue.message }];
      });
      throw new ApiError('validation_error', details[0]?.message ?? 'Invalid request', details);
    },
  });
  // Every route's documented `security` is derived from its guards (src/lib/route-security.ts).
  const register = router.openapi;
  router.openapi = ((route, handler, hook) => {
    const security = securityOf(route);
    return register({ ...route, ...(security && { security }) }, handler, hook);
  }) as typeof register;
  return router;
}

export const errorSchema = z
  .object({
    error: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    requestId: z.string(),
    timestamp: z.string().datetime(),
  })
  .openapi('Error', {
    example: {
      error: 'validation_error',
      message: 'Invalid email format',
      details: [{ field: 'email', message: 'valid email is required' }],
      requestId: '0f6c1d1e-8a7b-4c55-9a55-0d6a4b7f3c11',
      timestamp: '2026-01-01T00:00:00.000Z',
    },
  });

/** A required JSON body (required, so a wrong Content-Type cannot skip validation). */
export const jsonBody = <T extends ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
});

export const jsonContent = <T extends ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** `{ data: T }`, the envelope of every single-object response. */
export const dataEnvelope = <T extends ZodType>(schema: T) => z.object({ data: schema });

/** 10000 as "10,000" for descriptions. Not toLocaleString: on Workers its first call initialises ICU (~16 ms of CPU). */
export const groupDigits = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ',');

/** Error responses a route can produce, documented from the same schema. */
export function errorResponses(...codes: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Validation error',
    401: 'Missing, invalid or expired credentials',
    402: 'Plan limit reached, or subscription payment overdue past its grace period',
    403: 'Forbidden (permissions, tenant mismatch, suspended tenant, account status)',
    404: 'Not found',
    409: 'Conflict',
    412: 'Precondition failed',
    422: 'Idempotency conflict',
    429: 'Rate limit exceeded',
    503: 'Service unavailable (database or payment provider); retry later',
  };
  return Object.fromEntries(codes.map((code) => [code, jsonContent(errorSchema, descriptions[code] ?? 'Error')]));
}

export const uuidParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '2f0a3b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' }),
});
