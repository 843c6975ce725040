import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migratePostgres } from '../src/db/postgres.ts';

/**
 * For the server-Postgres project: one migrated template database per run;
 * each test file clones it (CREATE DATABASE ... TEMPLATE), which is fast.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL as string;
  const name = project.config.env.TEST_TEMPLATE_DB as string;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migratePostgres(url.toString());
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
}
