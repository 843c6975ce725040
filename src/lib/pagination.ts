import { z } from '@hono/zod-openapi';
import { asc, desc, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { base64url } from './crypto.ts';
import { ApiError } from './errors.ts';

/**
 * The one pagination helper: keyset pagination on (sort column, id), so page
 * 400 costs what page 1 does. Sort columns must be NOT NULL (the cursor
 * comparison has no NULL case). The ORDER BY keeps Postgres' default NULLS
 * placement, which a plain ascending (tenant_id, column, id) index serves in
 * both directions; an index declared `.desc()` (DESC NULLS LAST) matches
 * neither, and the planner sorts the whole tenant instead (see drizzle/0014).
 */
export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25).openapi({ example: 25 }),
  cursor: z.string().max(500).optional().openapi({ description: 'Opaque cursor from pagination.nextCursor' }),
});

export const paginationSchema = z
  .object({
    limit: z.number().int(),
    nextCursor: z.string().nullable(),
    total: z.number().int().optional().openapi({ description: 'Present with ?include=total' }),
  })
  .openapi('Pagination', { example: { limit: 20, nextCursor: 'eyJrIjoiMjAyNi0wMi0xMlQxMDoxNTowMC4wMDBaIn0' } });

export interface SortOrder {
  /** The row property the column maps to (also the `sort` parameter's name). */
  key: string;
  column: AnyPgColumn;
  id: AnyPgColumn;
  descending: boolean;
}

/** Default order: newest first. */
export const newestFirst = (table: { createdAt: AnyPgColumn; id: AnyPgColumn }): SortOrder => ({
  key: 'createdAt',
  column: table.createdAt,
  id: table.id,
  descending: true,
});

const invalidCursor = () =>
  new ApiError('validation_error', 'Invalid cursor', [{ field: 'cursor', message: 'cursor is malformed or belongs to another sort order' }]);

function decodeCursor(cursor: string, order: SortOrder): { value: unknown; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(cursor.replaceAll('-', '+').replaceAll('_', '/')), (ch) => ch.charCodeAt(0))));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw invalidCursor();
  const [key, dir, raw, id] = parsed as [unknown, unknown, unknown, unknown];
  if (key !== order.key || dir !== (order.descending ? 'd' : 'a') || !z.uuid().safeParse(id).success) throw invalidCursor();
  if (order.column.dataType === 'date') {
    const date = new Date(String(raw));
    if (typeof raw !== 'string' || Number.isNaN(date.getTime())) throw invalidCursor();
    return { value: date, id: id as string };
  }
  if (order.column.dataType === 'number' ? typeof raw !== 'number' : typeof raw !== 'string') throw invalidCursor();
  return { value: raw, id: id as string };
}

function encodeCursor(order: SortOrder, row: Record<string, unknown>): string {
  const value = row[order.key];
  const json = JSON.stringify([order.key, order.descending ? 'd' : 'a', value instanceof Date ? value.toISOString() : value, row.id]);
  return base64url(new TextEncoder().encode(json));
}

/**
 * Rows strictly beyond the cursor in this order. A row comparison, not `col < v or (col = v and id < i)`:
 * the planner puts it in the index condition, so page N starts at its cursor instead of filtering out the
 * rows before it (368 ms -> 7 ms half-way through the 100,000-lead bench tenant). `value` and `id` may be
 * sql.placeholder()s (a statement compiled once per shape, see Scoped.selectShaped).
 */
export function afterCursor(order: SortOrder, value: unknown, id: unknown): SQL {
  const beyond = order.descending ? sql.raw('<') : sql.raw('>');
  return sql`(${order.column}, ${order.id}) ${beyond} (${sql.param(value, order.column)}, ${sql.param(id, order.id)})`;
}

/** The where clause and order for one page; fetch `limit` rows (one extra) and pass them to `page`. */
export function keysetPage(order: SortOrder, params: { limit: number; cursor?: string }) {
  const cursor = params.cursor ? decodeCursor(params.cursor, order) : null;
  const direction = order.descending ? desc : asc;
  return {
    /** The decoded cursor (null on page one), for a statement that binds it itself. */
    cursor,
    where: cursor ? afterCursor(order, cursor.value, cursor.id) : undefined,
    orderBy: [direction(order.column), direction(order.id)],
    limit: params.limit + 1,
    page<T extends Record<string, unknown>>(rows: T[]) {
      const hasMore = rows.length > params.limit;
      const data = hasMore ? rows.slice(0, params.limit) : rows;
      const last = data.at(-1);
      return { data, pagination: { limit: params.limit, nextCursor: hasMore && last ? encodeCursor(order, last) : null } };
    },
  };
}
