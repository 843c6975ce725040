import { and, ne, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { type Scoped, send } from '../../../db/scoped.ts';
import { ApiError } from '../../../lib/errors.ts';
import type { IdTable } from './bulk.ts';

/**
 * 409 naming the field when another record of the tenant (not `id`) already
 * holds the value (case-insensitively, like the unique index). The index stays
 * the guarantee under races (a plain 409 then); this gives the usual case its
 * field. The query is sent at once, so it pipelines with the caller's others.
 */
export async function assertUnique(s: Scoped, table: IdTable, field: string, column: AnyPgColumn, value: unknown, id: string | null) {
  if (typeof value !== 'string') return;
  const [taken] = await send(s.select(table, { where: and(sql`lower(${column}) = ${value.toLowerCase()}`, id ? ne(table.id, id) : undefined), limit: 1 }));
  if (taken) throw new ApiError('conflict', `Another record already has this ${field}`, [{ field, message: 'already in use' }]);
}
