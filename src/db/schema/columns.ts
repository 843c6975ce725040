import { sql } from 'drizzle-orm';
import { pgPolicy, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.ts';

/**
 * The transaction-local setting that carries the request's tenant.
 * nullif(...,'') because a reset transaction-local setting reads back as ''.
 */
export const currentTenantSql = sql`nullif(current_setting('app.tenant_id', true), '')::uuid`;

export const id = () => uuid('id').primaryKey().defaultRandom();

export const tenantId = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

/**
 * Every timestamp column has millisecond precision (precision: 3): the app
 * reads them as JS Dates (milliseconds), so a value read back and sent to the
 * database again (keyset cursors, ETags) must compare equal to the stored one.
 * With Postgres's default microseconds, a cursor lost the sub-millisecond part
 * and the next page skipped rows.
 */
export const timestamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
});

/** The RLS policy every tenant-owned table carries (FORCE is set by a custom migration). */
export const tenantIsolation = (table: string) =>
  pgPolicy(`${table}_tenant_isolation`, {
    for: 'all',
    to: 'public',
    using: sql`tenant_id = ${currentTenantSql}`,
    withCheck: sql`tenant_id = ${currentTenantSql}`,
  });
