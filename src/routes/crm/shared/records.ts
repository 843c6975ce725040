import { getTableColumns, type Table } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../../../lib/context.ts';
import { ApiError } from '../../../lib/errors.ts';

/** Columns the API never shows: the tenant is the caller's own, `search` is an index column, `version` shows as the ETag. */
const INTERNAL_COLUMNS = new Set(['tenantId', 'search', 'version']);

/** A row as the API shows it: internal columns dropped, timestamps as ISO strings. */
export function toApi<T extends Record<string, unknown>>(row: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in row) {
    if (INTERNAL_COLUMNS.has(k)) continue;
    const v = row[k];
    out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

/**
 * The columns toApi keeps, for a select that reads rows straight into the API's form (lists and exports:
 * Scoped.selectShaped with isoTimestamps), so toApi has nothing left to do for them.
 */
export const apiColumnsOf = (table: Table) => Object.keys(getTableColumns(table)).filter((k) => !INTERNAL_COLUMNS.has(k));

/** Strong ETag from the row's version counter. */
export const etagOf = (row: { id: string; version: number }) => `"${row.id.slice(0, 8)}-${row.version}"`;

/**
 * If-Match: absent means "no precondition"; present and not matching the
 * current version (or `*`) is 412. The update itself re-checks the version.
 */
export function checkIfMatch(c: Context<AppEnv>, row: { id: string; version: number }) {
  const header = c.req.header('if-match');
  if (!header) return;
  const current = etagOf(row);
  const accepted = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!accepted.includes('*') && !accepted.includes(current)) {
    throw new ApiError('precondition_failed', 'The record has changed since you read it (If-Match does not match the current ETag)');
  }
}

export const stale = () => new ApiError('precondition_failed', 'The record was changed by another request; re-read it and retry');
