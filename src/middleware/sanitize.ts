import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 32;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Media types a body may have; anything else is 415. */
const ACCEPTED = ['application/json', 'text/csv'];

function invalid(message: string): ApiError {
  return new ApiError('validation_error', message, [{ field: 'body', message }]);
}

/** Rejects what Postgres or JS objects would choke on: NUL characters, prototype keys, absurd nesting. */
function check(value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw invalid('JSON body is nested too deeply');
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw invalid('Strings must not contain NUL characters');
  } else if (Array.isArray(value)) {
    for (const v of value) check(v, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(k)) throw invalid(`Key "${k}" is not allowed`);
      if (k.includes('\u0000')) throw invalid('Keys must not contain NUL characters');
      check(v, depth + 1);
    }
  }
}

/**
 * Input sanitisation: a body must be declared JSON (or CSV on import routes),
 * valid UTF-8 and well-formed; the parsed JSON is handed to the validators.
 */
export const sanitizeInput = createMiddleware<AppEnv>(async (c, next) => {
  if (!BODY_METHODS.has(c.req.method)) return next();
  const raw = await c.req.arrayBuffer();
  if (raw.byteLength === 0) return next();
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!ACCEPTED.includes(type)) {
    throw new ApiError('unsupported_media_type', 'Content-Type must be application/json');
  }
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    throw invalid('Body is not valid UTF-8');
  }
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalid('Malformed JSON body');
    }
    check(parsed, 0);
    c.req.bodyCache.json = Promise.resolve(parsed);
  } else if (text.includes('\u0000')) {
    throw invalid('Body must not contain NUL characters');
  }
  return next();
});
