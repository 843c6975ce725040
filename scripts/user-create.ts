/**
 * npm run user:create -- --tenant acme --email ada@acme.example --role
 * tenant_admin: an active user with a password (generated and printed once
 * when --password is not given). Prompts for nothing, so it scripts.
 */
import { sql } from 'drizzle-orm';
import { auditLogs, roles, users } from '../src/db/schema/index.ts';
import { scopedQueries } from '../src/db/scoped.ts';
import { findTenant } from '../src/db/tenants.ts';
import { randomToken } from '../src/lib/crypto.ts';
import { ApiError } from '../src/lib/errors.ts';
import { passwordSchema } from '../src/lib/passwords.ts';
import { nativeHasher } from '../src/lib/passwords-native.ts';
import { reserve } from '../src/lib/plan-limits.ts';
import { emailSchema, nameSchema } from '../src/routes/users/users.schemas.ts';
import { CliError, openTarget, parseCli, requireOption, runTask, targetName } from './cli/common.ts';

const usage = `Usage: npm run user:create -- --tenant <slug|id> --email <email> --role <role> [--name <name>] [--password <password>]

  Creates an active user in a tenant; counts against the tenant's plan (seats).
  --role       ${roles.join(' | ')}
  --name       default: the part of the email before @
  --password   at least 10 characters, at most 72 bytes, not a common password;
               omitted: a random one is generated and printed once

  Target: DATABASE_URL, or the embedded database in $DATA_DIR (default .data).
  BCRYPT_COST (default 10) sets the hash cost, as for the server.`;

const args = parseCli(usage, {
  tenant: { type: 'string' },
  email: { type: 'string' },
  role: { type: 'string' },
  name: { type: 'string' },
  password: { type: 'string' },
});

await runTask(async () => {
  const email = emailSchema.safeParse(requireOption(args.email, '--email'));
  if (!email.success) throw new CliError(`--email: ${email.error.issues[0]?.message}`);
  const role = roles.find((r) => r === requireOption(args.role, '--role'));
  if (!role) throw new CliError(`--role: one of ${roles.join(', ')}`);
  const name = nameSchema.safeParse(args.name ?? email.data.split('@')[0]);
  if (!name.success) throw new CliError('--name: 1-200 characters');
  const generated = args.password === undefined;
  const password = generated ? randomToken(18) : passwordSchema.safeParse(args.password);
  if (typeof password !== 'string' && !password.success) throw new CliError(`--password: ${password.error.issues[0]?.message}`);
  const plain = typeof password === 'string' ? password : password.data;
  const cost = Number(process.env.BCRYPT_COST ?? 10);
  if (!Number.isInteger(cost) || cost < 10 || cost > 15) throw new CliError('BCRYPT_COST: an integer from 10 to 15');

  const db = await openTarget();
  try {
    const tenant = await findTenant(db, requireOption(args.tenant, '--tenant'));
    if (!tenant) throw new CliError(`no tenant "${args.tenant}" in ${targetName()} (npm run tenant:create)`);
    const passwordHash = await nativeHasher.hash(plain, cost);
    // db.transaction scopes to the tenant (RLS) before this runs.
    const user = await db.transaction(tenant.id, async (q) => {
      const s = scopedQueries(q, tenant.id);
      const [taken] = await s.select(users, { where: sql`lower(${users.email}) = ${email.data}`, limit: 1 });
      if (taken) throw new CliError(`${email.data} already exists in ${tenant.slug}`);
      await reserve(s, 'users');
      const [row] = await s.insert(users, { email: email.data, name: name.data, passwordHash, role, status: 'active' }).returning();
      if (!row) throw new Error('user insert returned nothing');
      await s.insert(auditLogs, {
        actorType: 'system',
        action: 'user.created',
        resourceType: 'user',
        resourceId: row.id,
        changes: { email: row.email, role, via: 'cli' },
      });
      return row;
    });
    console.log(`Created ${user.role} ${user.email} (${user.name}) in tenant ${tenant.slug}, id ${user.id}.`);
    if (generated) console.log(`Password (shown once, store it now): ${plain}`);
  } catch (err) {
    if (err instanceof ApiError) throw new CliError(err.message);
    throw err;
  } finally {
    await db.close();
  }
});
