/**
 * npm run db:seed — the demo tenants (acme, mycompany: one user per role and
 * realistic CRM data), or with --tenants/--leads-per-tenant a scale data set
 * for benchmarks. Refuses to run in production.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import type { Database } from '../src/db/client.ts';
import { roles } from '../src/db/schema/index.ts';
import { DEMO_CRM_SIZE, DEMO_PASSWORD, demoEmail, seedDemo } from '../src/db/seed.ts';
import { scaledSize, seedCrm } from '../src/db/seed-crm.ts';
import { nativeHasher } from '../src/lib/passwords-native.ts';

const { values: args } = parseArgs({
  options: {
    help: { type: 'boolean' },
    tenants: { type: 'string' },
    'leads-per-tenant': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '3' },
    'large-tenant': { type: 'string' },
  },
});

if (args.help) {
  console.log(`Usage: npm run db:seed [-- --tenants N [--leads-per-tenant M] [--concurrency C]]

  (no options)          demo tenants acme and mycompany, one user per role, password "${DEMO_PASSWORD}"
  --tenants N           scale mode: N tenants named scale-00001..., each with one user per role
                        (admin@scale-00001.example, ...) and M leads plus contacts (M/2), accounts (M/10),
                        deals (M/5) and activities (M)
  --leads-per-tenant M  default 1000
  --concurrency C       tenants loaded in parallel (server Postgres), default 3
  --large-tenant L      also one tenant scale-large with L leads (and the same proportions), e.g. for
                        the 100,000-row export benchmark

  Target: DATABASE_URL, or the embedded database in $DATA_DIR (default .data). Never with NODE_ENV=production.`);
  process.exit(0);
}
if (process.env.NODE_ENV === 'production') {
  console.error('Refusing to seed demo data with NODE_ENV=production.');
  process.exit(1);
}

async function open(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const { openPostgres, migratePostgres } = await import('../src/db/postgres.ts');
    await migratePostgres(url);
    return openPostgres({ url, max: Number(args.concurrency) + 1 }).database;
  }
  const { openPglite } = await import('../src/db/pglite.ts');
  return (await openPglite(join(process.env.DATA_DIR ?? '.data', 'pglite'))).database;
}

function progress(done: number, total: number, started: number) {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const rate = done / ((performance.now() - started) / 1000);
  const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} tenants  ${rate.toFixed(1)}/s  eta ${eta}s   `);
}

/** One enterprise tenant with a user per role and its CRM data; nothing when the slug exists (so a rerun only adds what is missing). */
async function seedTenant(db: Database, slug: string, n: number, leads: number, passwordHash: string) {
  const tenantId = await db.transaction(null, async (q) => {
    const inserted = await q.execute<{ id: string }>(
      sql`insert into tenants (slug, name, plan) values (${slug}, ${`Scale Tenant ${n}`}, 'enterprise') on conflict (slug) do nothing returning id`,
    );
    const id = (inserted as unknown as { rows: { id: string }[] }).rows[0]?.id;
    if (!id) return null;
    await q.execute(sql`select set_config('app.tenant_id', ${id}, true)`);
    for (const role of roles) {
      await q.execute(
        sql`insert into users (tenant_id, email, name, password_hash, role) values (${id}, ${demoEmail(slug, role)}, ${`${slug} ${role}`}, ${passwordHash}, ${role})`,
      );
    }
    return id;
  });
  if (tenantId) await seedCrm(db, tenantId, scaledSize(leads), n);
}

async function seedScale(db: Database, tenantCount: number, leadsPerTenant: number, concurrency: number, largeTenant: number | null) {
  const passwordHash = await nativeHasher.hash(DEMO_PASSWORD, 10);
  const started = performance.now();
  let next = 0;
  let done = 0;
  progress(0, tenantCount, started);
  const worker = async () => {
    while (next < tenantCount) {
      const n = ++next;
      await seedTenant(db, `scale-${String(n).padStart(5, '0')}`, n, leadsPerTenant, passwordHash);
      progress(++done, tenantCount, started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  process.stderr.write('\n');
  if (largeTenant) await seedTenant(db, 'scale-large', 0, largeTenant, passwordHash);
  const seconds = (performance.now() - started) / 1000;
  console.log(`Loaded ${tenantCount} tenants × ${leadsPerTenant} leads (${tenantCount * leadsPerTenant} leads) in ${seconds.toFixed(1)} s.`);
}

const db = await open();
if (args.tenants) {
  await seedScale(
    db,
    Number(args.tenants),
    Number(args['leads-per-tenant']),
    Number(args.concurrency),
    args['large-tenant'] ? Number(args['large-tenant']) : null,
  );
} else {
  const created = await seedDemo(db, nativeHasher, 10, DEMO_CRM_SIZE);
  console.log(created ? `Seeded demo tenants (password "${DEMO_PASSWORD}").` : 'Demo tenants already present; nothing to do.');
}
await db.close();
