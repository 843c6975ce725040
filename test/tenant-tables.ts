import type { Harness } from './harness.ts';

/** Every table with a tenant_id column, read from the catalog (so tables added later are covered without a list here). */
export async function tenantTableNames(h: Harness): Promise<string[]> {
  const rows = await h.raw.query<{ table_name: string }>(
    `select c.table_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
      order by c.table_name`,
  );
  return rows.map((r) => r.table_name);
}

/** Row counts of the tenant in every tenant table, plus its tenants row (as the database owner: no RLS in the way). */
export async function tenantRowCounts(h: Harness, tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await tenantTableNames(h)) {
    const [row] = await h.raw.query<{ n: number }>(`select count(*)::int as n from "${table}" where tenant_id = $1`, [tenantId]);
    counts[table] = row?.n ?? 0;
  }
  const [tenant] = await h.raw.query<{ n: number }>('select count(*)::int as n from tenants where id = $1', [tenantId]);
  counts.tenants = tenant?.n ?? 0;
  return counts;
}
