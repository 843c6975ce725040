/** Postgres/driver failures worth a specific answer; anything else is a 500. */
export type DbFailure = 'unavailable' | 'unique_violation' | 'foreign_key_violation' | 'timeout' | null;

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '53300']);

export function classifyDbError(err: unknown): DbFailure {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const message = String((e as { message?: unknown }).message ?? '');
    if (code === '23505') return 'unique_violation';
    if (code === '23503') return 'foreign_key_violation';
    if (code === '57014') return 'timeout';
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return 'unavailable';
    if (
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|not queryable|fetch failed|Network connection lost/i.test(message)
    ) {
      return 'unavailable';
    }
  }
  return null;
}
