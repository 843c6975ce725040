import type { Logger } from 'drizzle-orm/logger';
import { drizzle, NodePgSession, NodePgTransaction } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { APP_ROLE, type Database, type Queryable } from './client.ts';
import { migrationsFolder } from './migrate.ts';
import * as schema from './schema/index.ts';
import { send } from './scoped.ts';

export interface PostgresOptions {
  url: string;
  max?: number;
  /** The server passes DATABASE_STATEMENT_TIMEOUT_MS; unset (CLI tasks such as large seeds): no timeout. */
  statementTimeoutMs?: number;
  /** Sees every data statement (transaction framing is sent past drizzle; see query-log.ts). */
  logger?: Logger;
  /** Called once per network round trip: a statement sent while the connection had nothing in flight. */
  onRoundTrip?: () => void;
}

/** scopeStatement (client.ts) as plain SQL, sent straight to the pooled client next to BEGIN. */
const SCOPE_SQL = `select set_config('role', $1, true), set_config('app.tenant_id', $2, true)`;

type Callback = (err: Error | null, result: unknown) => void;

/**
 * Counts round trips on one connection: a statement opens a round trip when
 * nothing else is in flight on it; statements pipelined behind it share it.
 */
function countRoundTrips(client: pg.PoolClient, onRoundTrip: () => void) {
  let inFlight = 0;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const done = () => void inFlight--;
  client.query = ((config: unknown, values?: unknown, callback?: unknown) => {
    if (inFlight++ === 0) onRoundTrip();
    const wrap =
      (cb: Callback): Callback =>
      (err, result) => {
        done();
        cb(err, result);
      };
    if (typeof values === 'function') return query(config, wrap(values as Callback));
    if (typeof callback === 'function') return query(config, values, wrap(callback as Callback));
    const result = query(config, values) as Promise<unknown>;
    result.then(done, done);
    return result;
  }) as typeof client.query;
}

/**
 * Server Postgres (DATABASE_URL) through node-postgres in pipeline mode: a
 * statement goes out without waiting for the one before it on the same
 * connection (the server still runs them in order). So a transaction's BEGIN
 * and tenant scope travel with its first statement, and a batch (BEGIN,
 * scope, its statements, COMMIT) is a single round trip.
 */
export function openPostgres(options: PostgresOptions): { database: Database; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: 5_000,
    pipeline: true,
  } as pg.PoolConfig);
  // A dropped idle connection must not crash the process; the next checkout reconnects.
  pool.on('error', () => {});
  // So does a checked-out one (it emits 'error' with nobody listening, which would end the process):
  // its pending or next query fails instead, the request gets 503, and the client is discarded on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const { onRoundTrip } = options;
  if (onRoundTrip) pool.on('connect', (client) => countRoundTrips(client, onRoundTrip));
  const db = drizzle({ client: pool, schema, logger: options.logger });
  // drizzle's own transaction awaits BEGIN alone; this builds the same transaction handle over a checked-out client instead.
  const { dialect, session } = db as unknown as {
    dialect: PgDialect;
    session: { schema: ConstructorParameters<typeof NodePgSession>[2]; options: ConstructorParameters<typeof NodePgSession>[3] };
  };
  const handle = (client: pg.PoolClient) =>
    new NodePgTransaction(dialect, new NodePgSession(client, dialect, session.schema, session.options), session.schema) as unknown as Queryable;

  /** Runs fn on a client whose transaction is open and scoped; the opening statements are not awaited before fn's first one goes out. */
  async function withTransaction<T>(tenantId: string | null, fn: (client: pg.PoolClient, opened: Promise<unknown>) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      const opened = Promise.all([client.query('begin'), client.query(SCOPE_SQL, [APP_ROLE, tenantId ?? ''])]);
      // Its failure aborts the transaction, so fn's statements fail too; it is awaited before any COMMIT.
      opened.catch(() => {});
      try {
        return await fn(client, opened);
      } catch (error) {
        await client.query('rollback').catch((e: Error) => {
          broken = e;
        });
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }

  /** Sends COMMIT behind the statements and waits for all of them; a failed one aborts the transaction (COMMIT then rolls back), and the first failure is thrown. */
  async function commitAfter(client: pg.PoolClient, opened: Promise<unknown>, statements: Promise<unknown>[]): Promise<unknown[]> {
    const settled = await Promise.allSettled([opened, ...statements, client.query('commit')]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.slice(1, -1).map((r) => (r as PromiseFulfilledResult<unknown>).value);
  }

  const database: Database = {
    transaction: (tenantId, fn) =>
      withTransaction(tenantId, async (client, opened) => {
        const deferred: Promise<unknown>[] = [];
        const defer = (statement: PromiseLike<unknown>) => {
          // Sent now; its outcome is read below, next to COMMIT's.
          deferred.push(send(statement));
        };
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn(handle(client), defer);
        } catch (error) {
          await Promise.allSettled(deferred);
          throw error;
        }
        // The deferred statements are already on the wire: COMMIT joins their round trip.
        await commitAfter(client, opened, deferred);
        return result;
      }),
    batch: (tenantId, build) =>
      withTransaction(tenantId, async (client, opened) => {
        // All of them and the COMMIT leave together.
        return (await commitAfter(client, opened, build(handle(client)).map(send))) as never;
      }),
    ping: async () => {
      await pool.query('select 1');
    },
    close: () => pool.end(),
  };
  return { database, pool };
}

/** Applies drizzle/ migrations as the connecting (owner) role. */
export async function migratePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrate(drizzle({ client }), { migrationsFolder });
  } finally {
    await client.end();
  }
}
