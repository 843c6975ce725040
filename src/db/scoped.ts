import { and, count, eq, getTableColumns, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { BatchResults, Database, Queryable } from './client.ts';

/** Any table that carries tenant_id. */
export type TenantTable = PgTable & { tenantId: AnyPgColumn };

export interface SelectOptions {
  where?: SQL;
  orderBy?: (SQL | AnyPgColumn)[];
  limit?: number;
  /** Row lock held until the transaction ends. */
  lock?: 'update' | 'no key update' | 'share' | 'key share';
  /** Computed columns returned next to the row's own (e.g. a correlated subquery). */
  extra?: Record<string, SQL>;
}

type InsertValues<T extends TenantTable> = Omit<T['$inferInsert'], 'tenantId'>;

/**
 * Query builders that add the tenant filter (reads, updates, deletes) or the
 * tenant id (inserts) themselves, so route code never writes either by hand.
 * RLS on the same transaction is the second wall behind this one.
 */
export function scopedQueries(q: Queryable, tenantId: string) {
  const own = (table: TenantTable, where?: SQL) => and(eq(table.tenantId, tenantId), where);
  return {
    tenantId,
    /** The tenant condition for hand-built joins and aggregates over `table` (plus `where`). */
    where: own,
    select<T extends TenantTable>(table: T, options: SelectOptions = {}): PromiseLike<T['$inferSelect'][]> {
      let query = q
        .select({ ...getTableColumns(table as PgTable), ...options.extra })
        .from(table as PgTable)
        .where(own(table, options.where))
        .$dynamic();
      if (options.orderBy) query = query.orderBy(...options.orderBy);
      if (options.limit !== undefined) query = query.limit(options.limit);
      if (options.lock) query = query.for(options.lock);
      return query as unknown as PromiseLike<T['$inferSelect'][]>;
    },
    count<T extends TenantTable>(table: T, where?: SQL): PromiseLike<{ n: number }[]> {
      return q
        .select({ n: count() })
        .from(table as PgTable)
        .where(own(table, where));
    },
    insert<T extends TenantTable>(table: T, values: InsertValues<T> | InsertValues<T>[]) {
      const rows = (Array.isArray(values) ? values : [values]).map((v) => ({ ...v, tenantId }));
      return q.insert(table).values(rows as T['$inferInsert'][]);
    },
    update<T extends TenantTable>(table: T, set: Omit<PgUpdateSetSource<T>, 'tenantId'>, where?: SQL) {
      const { tenantId: _ignored, ...safe } = set as Record<string, unknown>;
      return q
        .update(table)
        .set(safe as PgUpdateSetSource<T>)
        .where(own(table, where));
    },
    delete<T extends TenantTable>(table: T, where?: SQL) {
      return q.delete(table).where(own(table, where));
    },
    /** The transaction itself, for joins and aggregates (filter them with `where`); RLS still confines it to the tenant. */
    q,
  };
}

export type Scoped = ReturnType<typeof scopedQueries>;

/** The request's handle on tenant data: every call is confined to one tenant. */
export class TenantDb {
  constructor(
    private readonly db: Database,
    readonly tenantId: string,
  ) {}

  transaction<T>(fn: (s: Scoped) => Promise<T>): Promise<T> {
    return this.db.transaction(this.tenantId, (q) => fn(scopedQueries(q, this.tenantId)));
  }

  batch<T extends readonly PromiseLike<unknown>[]>(build: (s: Scoped) => T): Promise<BatchResults<T>> {
    return this.db.batch(this.tenantId, (q) => build(scopedQueries(q, this.tenantId)));
  }
}
