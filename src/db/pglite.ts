import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { type Database, type Queryable, transactionalDatabase } from './client.ts';
import { migrationsFolder } from './migrate.ts';
import * as schema from './schema/index.ts';

/** Embedded Postgres: file-backed when dataDir is given, in memory otherwise. Migrated on open. */
export async function openPglite(dataDir?: string): Promise<{ database: Database; client: PGlite }> {
  const client = await PGlite.create(dataDir, { extensions: { pg_trgm } });
  const db = drizzle({ client, schema });
  await migrate(db, { migrationsFolder });
  return { database: transactionalDatabase(db as unknown as Queryable, () => client.close()), client };
}
