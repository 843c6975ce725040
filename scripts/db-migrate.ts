/**
 * npm run db:migrate — applies drizzle/ migrations to DATABASE_URL (any
 * Postgres, Neon included), or to the embedded database under DATA_DIR.
 */
import { join } from 'node:path';

if (process.argv.includes('--help')) {
  console.log(
    'Usage: npm run db:migrate\n  DATABASE_URL=postgres://...  migrate a server Postgres (as the owner role)\n  (unset)                      migrate the embedded PGlite database in $DATA_DIR (default .data)',
  );
  process.exit(0);
}

const url = process.env.DATABASE_URL;
if (url) {
  const { migratePostgres } = await import('../src/db/postgres.ts');
  await migratePostgres(url);
  console.log(`Migrated ${new URL(url).host}${new URL(url).pathname}`);
} else {
  const { openPglite } = await import('../src/db/pglite.ts');
  const dir = join(process.env.DATA_DIR ?? '.data', 'pglite');
  const { database } = await openPglite(dir);
  await database.close();
  console.log(`Migrated embedded database at ${dir}`);
}
