import { pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at } from './time.ts';

export const tenantStatuses = ['active', 'suspended'] as const;
export const planIds = ['free', 'pro', 'enterprise'] as const;

/** The tenant registry. Not tenant-owned (it is the tenant), so it has no RLS policy. */
export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    plan: text('plan', { enum: planIds }).notNull().default('free'),
    status: text('status', { enum: tenantStatuses }).notNull().default('active'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tenants_slug_key').on(t.slug)],
);

export type Tenant = typeof tenants.$inferSelect;
