import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** A drizzle handle bound to one transaction (or, for HTTP batches, to one batch). */
export type Queryable = PgDatabase<PgQueryResultHKT, Schema>;

/** The role requests run as: it owns no table and does not bypass row-level security. */
export const APP_ROLE = 'crm_app';

/** The rows of a raw `execute()` result, whether the driver returns them bare or wrapped in `{ rows }`. */
export const rowsOf = <T>(result: unknown): T[] => (result as { rows?: T[] }).rows ?? (result as T[]);

type Awaited<T> = T extends PromiseLike<infer U> ? U : T;
export type BatchResults<T extends readonly PromiseLike<unknown>[]> = { -readonly [K in keyof T]: Awaited<T[K]> };

/**
 * Hands a write whose result the caller does not need (audit row, outbox row) to the
 * transaction: sent now where the driver pipelines, awaited with COMMIT; if it fails the
 * transaction rolls back and the transaction's promise rejects with its error.
 */
export type Defer = (statement: PromiseLike<unknown>) => void;

/**
 * What every driver (PGlite, node-postgres, Neon) provides. Both methods run
 * as APP_ROLE with `app.tenant_id` set for that transaction only, so RLS
 * applies to every statement; tenantId null means "no tenant": tenant-owned
 * tables then return nothing.
 */
export interface Database {
  /** An interactive transaction, for work that reads before it writes. */
  transaction<T>(tenantId: string | null, fn: (q: Queryable, defer: Defer) => Promise<T>): Promise<T>;
  /** Queries built up front and sent as one transaction (one round trip where the driver can). */
  batch<T extends readonly PromiseLike<unknown>[]>(tenantId: string | null, build: (q: Queryable) => T): Promise<BatchResults<T>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The first statement of every transaction: switch role and set the tenant, transaction-locally. */
export const scopeStatement = (tenantId: string | null) =>
  sql`select set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', ${tenantId ?? ''}, true)`;

/** A Database over any drizzle Postgres handle that supports interactive transactions. */
export function transactionalDatabase(db: Queryable, close: () => Promise<void>): Database {
  const transaction: Database['transaction'] = (tenantId, fn) =>
    db.transaction(async (tx) => {
      await tx.execute(scopeStatement(tenantId));
      return withDeferred((defer) => fn(tx as unknown as Queryable, defer));
    });
  return {
    transaction,
    batch: (tenantId, build) =>
      transaction(tenantId, async (q) => {
        const results: unknown[] = [];
        for (const query of build(q)) results.push(await query);
        return results as never;
      }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close,
  };
}

/** Runs fn, then its deferred statements one by one (drivers without pipelining), before the caller commits. */
export async function withDeferred<T>(fn: (defer: Defer) => Promise<T>): Promise<T> {
  const deferred: PromiseLike<unknown>[] = [];
  const result = await fn((statement) => void deferred.push(statement));
  for (const statement of deferred) await statement;
  return result;
}
