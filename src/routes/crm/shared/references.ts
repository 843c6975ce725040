import { eq } from 'drizzle-orm';
import { type Scoped, send, type TenantTable } from '../../../db/scoped.ts';
import { ApiError } from '../../../lib/errors.ts';

type IdTable = TenantTable & { id: import('drizzle-orm/pg-core').AnyPgColumn };

/** A field of the input naming a record of `table` (no check when the id is null or absent). */
export type Reference = [field: string, table: IdTable, id: string | null | undefined];

/**
 * Checks that every referenced id exists in the caller's tenant (a foreign key
 * alone would accept another tenant's id, since RI checks bypass RLS).
 * Another tenant's id reads as missing: 400 on the field that named it.
 */
export async function assertReferences(s: Scoped, refs: Reference[]) {
  // All sent at once (one round trip where the driver pipelines), checked in order.
  const found = refs.map(([, table, id]) => (id ? send(s.select(table, { where: eq(table.id, id), limit: 1 })) : null));
  for (const [i, [field]] of refs.entries()) {
    const rows = await found[i];
    if (rows && !rows[0]) throw new ApiError('validation_error', `${field} does not exist`, [{ field, message: 'no such record in this tenant' }]);
  }
}
