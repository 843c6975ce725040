import { eq, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import * as schema from '../../db/schema/index.ts';
import { tenants } from '../../db/schema/index.ts';
import type { Scoped, TenantTable } from '../../db/scoped.ts';

/** Every tenant-owned table of the schema, found by its tenant_id column, so tables added later are counted too. */
export const tenantTables: readonly TenantTable[] = (Object.values(schema) as unknown[]).filter(
  (value): value is TenantTable => is(value, PgTable) && 'tenantId' in value,
);

/**
 * Deletes the tenant row; every tenant table's foreign key to it cascades, so
 * its rows go in the same statement. The tenant row is locked first: inserts
 * into tenant tables (foreign-key checks, plan-limit locks) wait, so the
 * counts are exactly what is deleted.
 */
export async function deleteTenantRows(s: Scoped): Promise<Record<string, number>> {
  await s.q.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, s.tenantId)).for('update');
  const deleted: Record<string, number> = { tenants: 1 };
  for (const table of tenantTables) {
    const [row] = await s.count(table);
    deleted[getTableName(table)] = row?.n ?? 0;
  }
  await s.q.delete(tenants).where(eq(tenants.id, s.tenantId));
  return deleted;
}
