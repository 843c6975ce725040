/**
 * npm run db:seed — the demo tenants (acme, mycompany) with one user per role.
 * Refuses to run in production.
 */
import { join } from 'node:path';
import type { Database } from '../src/db/client.ts';
import { DEMO_PASSWORD, seedDemo } from '../src/db/seed.ts';
import { nativeHasher } from '../src/lib/passwords-native.ts';

if (process.argv.includes('--help')) {
  console.log('Usage: npm run db:seed\n  Seeds demo tenants acme and mycompany into DATABASE_URL or the embedded database.\n  Never runs with NODE_ENV=production.');
  process.exit(0);
}
if (process.env.NODE_ENV === 'production') {
  console.error('Refusing to seed demo data with NODE_ENV=production.');
  process.exit(1);
}

let database: Database;
const url = process.env.DATABASE_URL;
if (url) {
  const { openPostgres, migratePostgres } = await import('../src/db/postgres.ts');
  await migratePostgres(url);
  database = openPostgres({ url, max: 2 }).database;
} else {
  const { openPglite } = await import('../src/db/pglite.ts');
  database = (await openPglite(join(process.env.DATA_DIR ?? '.data', 'pglite'))).database;
}
const created = await seedDemo(database, nativeHasher);
await database.close();
console.log(created ? `Seeded demo tenants (password "${DEMO_PASSWORD}").` : 'Demo tenants already present; nothing to do.');
