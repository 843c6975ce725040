import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { type Database, type Queryable, transactionalDatabase } from './client.ts';
import { migrationsFolder } from './migrate.ts';
import * as schema from './schema/index.ts';

/**
 * Embedded Postgres: file-backed when dataDir is given, in memory otherwise.
 * Migrated on open. `logger` sees every statement (see query-log.ts).
 */
export async function openPglite(dataDir?: string, options: { logger?: Logger } = {}): Promise<{ database: Database; client: PGlite }> {
  const client = await PGlite.create(dataDir, { extensions: { pg_trgm } });
  const db = drizzle({ client, schema, logger: options.logger });
  await migrate(db, { migrationsFolder });
  return { database: transactionalDatabase(db as unknown as Queryable, () => client.close()), client };
}
