import { and, count, eq, getTableColumns, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { BatchResults, Database, Defer, Queryable } from './client.ts';

/**
 * Sends a lazy drizzle query now (then() starts it synchronously, unlike Promise.resolve or
 * Promise.all, which start it a microtask later): queries sent this way leave in call order,
 * so on a pipelined connection a lock sent before a count is held when the count runs.
 */
export function send<T>(query: PromiseLike<T>): Promise<T> {
  const sent = new Promise<T>((resolve, reject) => query.then(resolve, reject));
  // Read later by the caller, possibly after an earlier check has thrown.
  sent.catch(() => {});
  return sent;
}

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
export function scopedQueries(q: Queryable, tenantId: string, defer?: Defer) {
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
    /**
     * Issues a write whose result is not needed (audit, outbox) without awaiting it: it is sent
     * with COMMIT and its failure rolls the transaction back (see Defer in client.ts).
     */
    defer(statement: PromiseLike<unknown>): void {
      if (!defer) throw new Error('defer needs a transaction opened through TenantDb');
      defer(statement);
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
    return this.db.transaction(this.tenantId, (q, defer) => fn(scopedQueries(q, this.tenantId, defer)));
  }

  batch<T extends readonly PromiseLike<unknown>[]>(build: (s: Scoped) => T): Promise<BatchResults<T>> {
    return this.db.batch(this.tenantId, (q) => build(scopedQueries(q, this.tenantId)));
  }
}
