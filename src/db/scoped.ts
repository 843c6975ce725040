import { and, type Column, count, eq, fillPlaceholders, getTableColumns, getTableName, is, Param, Placeholder, type Query, type SQL, sql } from 'drizzle-orm';
import { type AnyPgColumn, type PgTable, PgTimestamp, type PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { BatchResults, Database, Defer, Queryable } from './client.ts';
import { isoTimestamp } from './iso-timestamp.ts';

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
  /** Only these of the table's columns (property names), in this order; every column when absent. */
  columns?: readonly string[];
  /** Timestamps as ISO 8601 strings (what JSON shows) instead of Dates: rows bound for a response skip a Date per value. */
  isoTimestamps?: boolean;
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

/** The table's columns by property name, or only `names` of them. */
function columnsOf(table: TenantTable, names?: readonly string[]): Record<string, AnyPgColumn> {
  const all = getTableColumns(table as PgTable);
  if (!names) return all;
  return Object.fromEntries(
    names.map((name) => {
      const column = all[name];
      if (!column) throw new Error(`${getTableName(table)} has no column ${name}`);
      return [name, column];
    }),
  );
}

/** A tenant's select of `table`'s columns (plus `extra`): the one builder behind select() and selectShaped(). */
function selectOf(q: Queryable, table: TenantTable, tenant: unknown, options: SelectOptions, columns = columnsOf(table)) {
  let query = q
    .select({ ...columns, ...options.extra })
    .from(table as PgTable)
    .where(and(eq(table.tenantId, tenant), options.where))
    .$dynamic();
  if (options.orderBy) query = query.orderBy(...options.orderBy);
  if (options.limit !== undefined) query = query.limit(options.limit);
  if (options.lock) query = query.for(options.lock);
  return query;
}

/** How one column's driver value becomes a row value: drizzle's mapping, or for `isoTimestamps` the ISO text of a timestamp. */
function decoderOf(column: Column, isoTimestamps: boolean): (value: unknown) => unknown {
  if (!isoTimestamps) return (value) => column.mapFromDriverValue(value);
  if (is(column, PgTimestamp) && column.withTimezone) return (value) => isoTimestamp(value as string | Date);
  return (value) => {
    const mapped = column.mapFromDriverValue(value);
    return mapped instanceof Date ? mapped.toISOString() : mapped;
  };
}

function compileSelect(q: Queryable, table: TenantTable, statement: ShapedSelect): CompiledSelect {
  const columns = columnsOf(table, statement.columns);
  const query = selectOf(q, table, sql.placeholder(TENANT), statement.build(), columns);
  const keys = Object.keys(columns);
  const decoders = Object.values(columns).map((column) => decoderOf(column, statement.isoTimestamps === true));
  const decode = (rows: unknown[][]) =>
    rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const value = row[i];
        out[keys[i] as string] = value === null ? null : (decoders[i] as (value: unknown) => unknown)(value);
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
     * With `columns` or `isoTimestamps` the rows are not the table's row type: the caller says what they are.
     */
    selectShaped<T extends TenantTable, R = T['$inferSelect']>(table: T, statement: ShapedSelect): PromiseLike<R[]> {
      const key = `${getTableName(table)}\0${statement.isoTimestamps ? 'iso' : 'date'}\0${statement.columns?.join(',') ?? '*'}\0${statement.shape}`;
      let compiled = compiledSelects.get(key);
      if (!compiled) {
        compiled = compileSelect(q, table, statement);
        if (reusable(compiled.query.params)) {
          if (compiledSelects.size >= MAX_SHAPES) compiledSelects.clear();
          compiledSelects.set(key, compiled);
        }
      }
      const { query, decode } = compiled;
      const params = fillPlaceholders(query.params, { ...statement.values, [TENANT]: tenantId });
      const prepare = () => q._.session.prepareQuery({ sql: query.sql, params }, undefined, undefined, true, decode);
      // Lazy like a drizzle builder (sent when awaited, see send()); _prepare is what drizzle's batch (Neon HTTP) reads.
      const rows: PromiseLike<R[]> = {
        // biome-ignore lint/suspicious/noThenProperty: a lazy query is a thenable on purpose, as drizzle's builders are.
        then: (resolve, reject) => (prepare().execute() as Promise<R[]>).then(resolve, reject),
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
