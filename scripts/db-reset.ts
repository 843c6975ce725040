/**
 * npm run db:reset -- --yes: drops the app's data and migrates an empty
 * database again. Embedded (no DATABASE_URL): deletes $DATA_DIR/pglite.
 * DATABASE_URL: drops every table of the app's schema and drizzle's
 * migration journal, then migrates. Refuses with NODE_ENV=production.
 */
import { existsSync, rmSync } from 'node:fs';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from '../src/db/schema/index.ts';
import { CliError, embeddedDir, openTarget, parseCli, runTask, targetName } from './cli/common.ts';

const usage = `Usage: npm run db:reset -- --yes [--seed]

  Drops all application data and recreates an empty, migrated database.
    (no DATABASE_URL)  deletes the embedded database in $DATA_DIR/pglite (default .data/pglite);
                       the development secrets beside it are kept
    DATABASE_URL=...   drops every table of the app (and drizzle's migration journal), then
                       migrates; other objects in that database are left alone

  --yes    required: confirms that the data is to be deleted
  --seed   load the demo tenants afterwards (as npm run db:seed)

  Refuses to run with NODE_ENV=production.`;

const args = parseCli(usage, { yes: { type: 'boolean' }, seed: { type: 'boolean' } });

/** The app's tables, from the drizzle schema (the same source the migrations come from). */
const appTables = (Object.values(schema) as unknown[])
  .filter((value): value is PgTable => value instanceof PgTable)
  .map((table) => getTableConfig(table).name)
  .sort();

await runTask(async () => {
  if (process.env.NODE_ENV === 'production') throw new CliError('refusing to reset a database with NODE_ENV=production.');
  const target = targetName();
  if (!args.yes) throw new CliError(`this deletes all data in ${target}. Run again with --yes to confirm.`);

  const url = process.env.DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const existing = (
        await client.query<{ name: string }>('select tablename as name from pg_tables where schemaname = current_schema() and tablename = any($1)', [appTables])
      ).rows;
      await client.query('begin');
      if (existing.length) await client.query(`drop table ${existing.map((t) => client.escapeIdentifier(t.name)).join(', ')} cascade`);
      await client.query('drop schema if exists drizzle cascade');
      await client.query('commit');
      console.log(`Dropped ${existing.length} tables and the migration journal in ${target}.`);
    } finally {
      await client.end();
    }
  } else {
    const dir = embeddedDir();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    console.log(`Deleted the ${target}.`);
  }

  const db = await openTarget();
  await db.close();
  console.log(`Migrated ${target}: ${appTables.length} tables, empty.`);

  if (args.seed) {
    const { DEMO_CRM_SIZE, DEMO_PASSWORD, seedDemo } = await import('../src/db/seed.ts');
    const { nativeHasher } = await import('../src/lib/passwords-native.ts');
    const seeded = await openTarget();
    try {
      await seedDemo(seeded, nativeHasher, 10, DEMO_CRM_SIZE);
    } finally {
      await seeded.close();
    }
    console.log(`Seeded demo tenants acme and mycompany (password "${DEMO_PASSWORD}").`);
  } else {
    console.log('Next: npm run db:seed for the demo tenants, or npm run tenant:create / user:create.');
  }
});
