import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { type Database, type Queryable, transactionalDatabase } from './client.ts';
import { migrationsFolder } from './migrate.ts';
import * as schema from './schema/index.ts';

export interface PostgresOptions {
  url: string;
  max?: number;
  statementTimeoutMs?: number;
  /** Sees every statement, transaction control included (see query-log.ts). */
  logger?: Logger;
}

/** Server Postgres (DATABASE_URL) through node-postgres. */
export function openPostgres(options: PostgresOptions): { database: Database; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    connectionTimeoutMillis: 5_000,
  });
  // A dropped idle connection must not crash the process; the next checkout reconnects.
  pool.on('error', () => {});
  // So does a checked-out one (it emits 'error' with nobody listening, which would end the process):
  // its pending or next query fails instead, the request gets 503, and the client is discarded on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzle({ client: pool, schema, logger: options.logger }) as unknown as Queryable;
  return { database: transactionalDatabase(db, () => pool.end()), pool };
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
