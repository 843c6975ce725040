import { eq } from 'drizzle-orm';
import type { Scoped, TenantTable } from '../../../db/scoped.ts';
import { ApiError } from '../../../lib/errors.ts';

type IdTable = TenantTable & { id: import('drizzle-orm/pg-core').AnyPgColumn };

/**
 * Checks that every referenced id exists in the caller's tenant (a foreign key
 * alone would accept another tenant's id, since RI checks bypass RLS).
 * Another tenant's id reads as missing: 400 on the field that named it.
 */
export async function assertReferences(s: Scoped, refs: [field: string, table: IdTable, id: string | null | undefined][]) {
  for (const [field, table, id] of refs) {
    if (!id) continue;
    const [row] = await s.select(table, { where: eq(table.id, id), limit: 1 });
    if (!row) throw new ApiError('validation_error', `${field} does not exist`, [{ field, message: 'no such record in this tenant' }]);
  }
}
