import { eq, or } from 'drizzle-orm';
import type { Database } from './client.ts';
import { tenants } from './schema/index.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const tenantColumns = {
  id: tenants.id,
  slug: tenants.slug,
  name: tenants.name,
  plan: tenants.plan,
  status: tenants.status,
};

/** The tenant registry is the one table read without a tenant scope: it is how a tenant is found. */
export async function findTenant(db: Database, idOrSlug: string) {
  const value = idOrSlug.toLowerCase();
  const where = UUID.test(value) ? or(eq(tenants.id, value), eq(tenants.slug, value)) : eq(tenants.slug, value);
  const [rows] = await db.batch(null, (q) => [q.select(tenantColumns).from(tenants).where(where).limit(1)] as const);
  return rows[0] ?? null;
}
