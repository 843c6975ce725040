/** npm run tenant:create -- --slug acme --name "Acme Inc." [--plan pro]: a new tenant, without users. */
import { z } from 'zod';
import { tenants } from '../src/db/schema/index.ts';
import { planIds } from '../src/db/schema/tenants.ts';
import { slugSchema } from '../src/routes/auth/auth.schemas.ts';
import { CliError, openTarget, parseCli, requireOption, runTask, targetName } from './cli/common.ts';

const usage = `Usage: npm run tenant:create -- --slug <slug> --name <name> [--plan ${planIds.join('|')}]

  Creates a tenant (no users: add them with npm run user:create).
  --slug   3-40 characters of a-z, 0-9 and -; tenants resolve from <slug>.BASE_DOMAIN
  --name   display name, 1-100 characters
  --plan   default free

  Target: DATABASE_URL, or the embedded database in $DATA_DIR (default .data).`;

const args = parseCli(usage, { slug: { type: 'string' }, name: { type: 'string' }, plan: { type: 'string', default: 'free' } });

await runTask(async () => {
  const slug = slugSchema.safeParse(requireOption(args.slug, '--slug'));
  if (!slug.success) throw new CliError(`--slug: ${slug.error.issues[0]?.message}`);
  const name = z.string().trim().min(1).max(100).safeParse(requireOption(args.name, '--name'));
  if (!name.success) throw new CliError('--name: 1-100 characters');
  const plan = z.enum(planIds).safeParse(args.plan);
  if (!plan.success) throw new CliError(`--plan: one of ${planIds.join(', ')}`);

  const db = await openTarget();
  try {
    const tenant = await db.transaction(null, async (q) => {
      // The unique index decides under concurrency; this only gives the usual case a clear message.
      const [row] = await q.insert(tenants).values({ slug: slug.data, name: name.data, plan: plan.data }).onConflictDoNothing().returning();
      if (!row) throw new CliError(`the slug "${slug.data}" is taken`);
      return row;
    });
    console.log(`Created tenant ${tenant.slug} (${tenant.name}), plan ${tenant.plan}, id ${tenant.id} in ${targetName()}.`);
    console.log(`Next: npm run user:create -- --tenant ${tenant.slug} --email <email> --role tenant_admin`);
  } finally {
    await db.close();
  }
});
