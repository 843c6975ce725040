import { eq } from 'drizzle-orm';
import type { PasswordHasher } from '../lib/passwords.ts';
import { type Database, scopeStatement } from './client.ts';
import { type Role, roles, tenants, users } from './schema/index.ts';
import { scopedQueries } from './scoped.ts';
import { type CrmSeedSize, seedCrm } from './seed-crm.ts';

/** Documented in the README; development data only, never seeded in production. */
export const DEMO_PASSWORD = 'DemoPass!2026';
export const DEMO_TENANTS = [
  { slug: 'acme', name: 'Acme Inc.' },
  { slug: 'mycompany', name: 'My Company Ltd' },
] as const;

const localPart: Record<Role, string> = {
  tenant_admin: 'admin',
  manager: 'manager',
  sales_user: 'sales',
  support_user: 'support',
  read_only: 'readonly',
};

export const demoEmail = (slug: string, role: Role) => `${localPart[role]}@${slug}.example`;

/** What `npm run dev` and `npm run db:seed` put in each demo tenant. */
export const DEMO_CRM_SIZE: CrmSeedSize = { accounts: 60, contacts: 250, leads: 400, deals: 150, activities: 800 };

/**
 * Seeds the demo tenants with one user per role and, when `crm` is given,
 * CRM data. Idempotent: an existing tenant is left alone.
 */
export async function seedDemo(db: Database, hasher: PasswordHasher, cost = 10, crm?: CrmSeedSize): Promise<boolean> {
  const passwordHash = await hasher.hash(DEMO_PASSWORD, cost);
  let created = false;
  for (const [index, t] of DEMO_TENANTS.entries()) {
    const tenantId = await db.transaction(null, async (q) => {
      const [existing] = await q.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, t.slug));
      if (existing) return null;
      const [tenant] = await q
        .insert(tenants)
        .values({ ...t, plan: 'enterprise' })
        .returning({ id: tenants.id });
      if (!tenant) throw new Error('seed: tenant not created');
      await q.execute(scopeStatement(tenant.id));
      const s = scopedQueries(q, tenant.id);
      await s.insert(
        users,
        roles.map((role) => ({
          email: demoEmail(t.slug, role),
          name: `${t.name.split(' ')[0]} ${localPart[role]}`,
          passwordHash,
          role,
          status: 'active' as const,
        })),
      );
      created = true;
      return tenant.id;
    });
    if (tenantId && crm) await seedCrm(db, tenantId, crm, index);
  }
  return created;
}
