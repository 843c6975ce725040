import { and, type Column, count, eq, fillPlaceholders, getTableColumns, getTableName, is, Param, Placeholder, type Query, type SQL, sql } from 'drizzle-orm';
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
  /** A number, or a placeholder in a shaped select. */
  limit?: number | Placeholder;
  /** Row lock held until the transaction ends. */
  lock?: 'update' | 'no key update' | 'share' | 'key share';
  /** Computed columns returned next to the row's own (e.g. a correlated subquery). */
  extra?: Record<string, SQL>;
}

type InsertValues<T extends TenantTable> = Omit<T['$inferInsert'], 'tenantId'>;

/**
 * A select whose SQL text depends only on `shape`: `build` writes every value as
 * sql.placeholder(name) (a column's values as sql.param(sql.placeholder(name), column)),
 * and `values` fills them on each call.
 */
export interface ShapedSelect {
  /** Everything that changes the SQL text (which filters are present, the sort...), none of the values. */
  shape: string;
  build(): Omit<SelectOptions, 'extra'>;
  values: Record<string, unknown>;
}

/** A statement compiled once: its text, its parameters (placeholders), and how its rows (arrays, in column order) decode. */
interface CompiledSelect {
  query: Query;
  decode(rows: unknown[][]): Record<string, unknown>[];
}

/** The placeholder the data layer fills with the tenant; callers' placeholders cannot reach it. */
const TENANT = '\0tenant';
/** Shapes come from request parameters (filters, cf.<key>): the cache is bounded and starts over when full. */
const MAX_SHAPES = 1_000;
const compiledSelects = new Map<string, CompiledSelect>();

/** Only a statement whose every parameter is a placeholder can be reused; one that bound a value is compiled per call. */
const reusable = (params: unknown[]) => params.every((p) => is(p, Placeholder) || (is(p, Param) && is(p.value, Placeholder)));

/** A tenant's select of `table`'s columns (plus `extra`): the one builder behind select() and selectShaped(). */
function selectOf(q: Queryable, table: TenantTable, tenant: unknown, options: SelectOptions) {
  let query = q
    .select({ ...getTableColumns(table as PgTable), ...options.extra })
    .from(table as PgTable)
    .where(and(eq(table.tenantId, tenant), options.where))
    .$dynamic();
  if (options.orderBy) query = query.orderBy(...options.orderBy);
  if (options.limit !== undefined) query = query.limit(options.limit);
  if (options.lock) query = query.for(options.lock);
  return query;
}

function compileSelect(q: Queryable, table: TenantTable, options: Omit<SelectOptions, 'extra'>): CompiledSelect {
  const query = selectOf(q, table, sql.placeholder(TENANT), options);
  const columns = getTableColumns(table as PgTable);
  const keys = Object.keys(columns);
  const decoders: Column[] = Object.values(columns);
  const decode = (rows: unknown[][]) =>
    rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const value = row[i];
        out[keys[i] as string] = value === null ? null : (decoders[i] as Column).mapFromDriverValue(value);
      }
      return out;
    });
  return { query: query.toSQL(), decode };
}

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
      return selectOf(q, table, tenantId, options) as unknown as PromiseLike<T['$inferSelect'][]>;
    },
    /**
     * select() for a hot path: the statement is compiled on the first call of each shape and reused after,
     * and its rows are decoded column by column: building and compiling a drizzle select, and drizzle's generic
     * row mapping, were a sixth of a list request's CPU. The tenant condition is the data layer's, as in select().
     */
    selectShaped<T extends TenantTable>(table: T, statement: ShapedSelect): PromiseLike<T['$inferSelect'][]> {
      const key = `${getTableName(table)}\0${statement.shape}`;
      let compiled = compiledSelects.get(key);
      if (!compiled) {
        compiled = compileSelect(q, table, statement.build());
        if (reusable(compiled.query.params)) {
          if (compiledSelects.size >= MAX_SHAPES) compiledSelects.clear();
          compiledSelects.set(key, compiled);
        }
      }
      const { query, decode } = compiled;
      const params = fillPlaceholders(query.params, { ...statement.values, [TENANT]: tenantId });
      const prepare = () => q._.session.prepareQuery({ sql: query.sql, params }, undefined, undefined, true, decode);
      // Lazy like a drizzle builder (sent when awaited, see send()); _prepare is what drizzle's batch (Neon HTTP) reads.
      const rows: PromiseLike<T['$inferSelect'][]> = {
        // biome-ignore lint/suspicious/noThenProperty: a lazy query is a thenable on purpose, as drizzle's builders are.
        then: (resolve, reject) => (prepare().execute() as Promise<T['$inferSelect'][]>).then(resolve, reject),
      };
      return Object.assign(rows, { _prepare: prepare });
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
