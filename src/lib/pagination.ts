import { z } from '@hono/zod-openapi';
import { and, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { ApiError } from './errors.ts';

/** The one pagination helper: keyset (created_at desc, id desc), so page 400 costs what page 1 does. */
export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25).openapi({ example: 25 }),
  cursor: z.string().max(200).optional().openapi({ description: 'Opaque cursor from pagination.nextCursor' }),
});

export const paginationSchema = z.object({
  limit: z.number().int(),
  nextCursor: z.string().nullable(),
});

interface Keyset {
  createdAt: AnyPgColumn;
  id: AnyPgColumn;
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(atob(cursor.replaceAll('-', '+').replaceAll('_', '/'))) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || !z.uuid().safeParse(id).success) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new ApiError('validation_error', 'Invalid cursor', [{ field: 'cursor', message: 'cursor is malformed' }]);
  }
}

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return btoa(JSON.stringify([row.createdAt.toISOString(), row.id]))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/** The where clause and order for one page; fetch limit + 1 rows and pass them to `page`. */
export function keysetPage(columns: Keyset, params: { limit: number; cursor?: string }) {
  let where: SQL | undefined;
  if (params.cursor) {
    const c = decodeCursor(params.cursor);
    where = or(lt(columns.createdAt, c.createdAt), and(eq(columns.createdAt, c.createdAt), lt(columns.id, c.id)));
  }
  return {
    where,
    orderBy: [desc(columns.createdAt), desc(columns.id)],
    limit: params.limit + 1,
    page<T extends { createdAt: Date; id: string }>(rows: T[]) {
      const hasMore = rows.length > params.limit;
      const data = hasMore ? rows.slice(0, params.limit) : rows;
      const last = data.at(-1);
      return { data, pagination: { limit: params.limit, nextCursor: hasMore && last ? encodeCursor(last) : null } };
    },
  };
}
