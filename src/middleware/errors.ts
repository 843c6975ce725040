import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { classifyDbError } from '../db/errors.ts';
import type { AppEnv } from '../lib/context.ts';
import { ApiError, type ErrorCode } from '../lib/errors.ts';

/** The spec's error body; the only shape any error response takes. */
export function errorResponse(c: Context<AppEnv>, err: ApiError) {
  return c.json(
    {
      error: err.code,
      message: err.message,
      ...(err.details?.length ? { details: err.details } : {}),
      requestId: c.get('requestId'),
      timestamp: new Date().toISOString(),
    },
    err.status,
    err.headers,
  );
}

const httpCodes: Partial<Record<number, ErrorCode>> = {
  400: 'validation_error',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    const code = httpCodes[err.status];
    if (code === 'payload_too_large') return new ApiError(code, 'Request body is too large');
    if (code) return new ApiError(code, err.message || code.replaceAll('_', ' '));
  }
  switch (classifyDbError(err)) {
    case 'unique_violation':
      return new ApiError('conflict', 'A record with these unique values already exists');
    // A referenced record vanished (or is still referenced) between our checks and the write.
    case 'foreign_key_violation':
      return new ApiError('conflict', 'A related record was changed concurrently; re-read and retry');
    case 'unavailable':
    case 'timeout':
      return new ApiError('service_unavailable', 'The service is temporarily unavailable; retry shortly', undefined, {
        'Retry-After': '5',
      });
    default:
      return null;
  }
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const known = toApiError(err);
  if (known) {
    if (known.status >= 500) c.get('deps')?.logger.warn('request failed', { requestId: c.get('requestId'), error: known.code });
    return errorResponse(c, known);
  }
  c.get('deps')?.logger.error('unhandled error', {
    requestId: c.get('requestId'),
    error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
  });
  return errorResponse(c, new ApiError('internal_error', 'An unexpected error occurred'));
};

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) => errorResponse(c, new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}`));

export const methodNotAllowedHandler = (c: Context<AppEnv>, allowed: string[]) =>
  errorResponse(
    c,
    new ApiError('method_not_allowed', `Method ${c.req.method} is not allowed here`, undefined, {
      Allow: allowed.join(', '),
    }),
  );
