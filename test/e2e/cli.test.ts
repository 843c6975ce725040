import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/db/pglite.ts';
import { nativeHasher } from '../../src/lib/passwords-native.ts';
import { createScratchDatabase, type ScratchDatabase } from '../scratch-db.ts';
import { bin, isolatedEnv, root } from './dev-server.ts';

/**
 * The CLI tasks as an operator runs them (npm run <task> -- ...): real child
 * processes against a temporary embedded database, and against a scratch
 * server-Postgres database for db:reset's DATABASE_URL mode; the database is
 * checked directly afterwards.
 */
const exec = promisify(execFile);
const SCRIPTS = {
  'db:migrate': 'scripts/db-migrate.ts',
  'db:seed': 'scripts/db-seed.ts',
  'db:reset': 'scripts/db-reset.ts',
  'tenant:create': 'scripts/tenant-create.ts',
  'user:create': 'scripts/user-create.ts',
} as const;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function task(name: keyof typeof SCRIPTS, args: string[], env: Record<string, string>): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(bin('tsx'), [SCRIPTS[name], ...args], { cwd: root, env: isolatedEnv(env), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Reads the embedded database the tasks wrote (as its owner: RLS does not hide rows here). */
async function query<T>(dataDir: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const { client } = await openPglite(join(dataDir, 'pglite'));
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.close();
  }
}

describe('CLI tasks on the embedded database', () => {
  let dataDir = '';
  let env: Record<string, string> = {};
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-'));
    env = { DATA_DIR: dataDir };
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('every task answers --help with its usage', async () => {
    const runs = await Promise.all((Object.keys(SCRIPTS) as (keyof typeof SCRIPTS)[]).map(async (name) => [name, await task(name, ['--help'], env)] as const));
    for (const [name, run] of runs) {
      expect(run.code, name).toBe(0);
      expect(run.stdout, name).toMatch(/^Usage: npm run /);
    }
    const reset = runs.find(([n]) => n === 'db:reset')?.[1];
    expect(reset?.stdout).toContain('--yes');
  }, 60_000);

  it('a wrong flag exits 2 with the reason and the usage', async () => {
    const run = await task('tenant:create', ['--slug', 'x', '--nme', 'typo'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--nme'");
    expect(run.stderr).toContain('Usage: npm run tenant:create');
  });

  it('tenant:create and user:create write the tenant and an active user whose generated password works', async () => {
    expect((await task('db:migrate', [], env)).code).toBe(0);
    const created = await task('tenant:create', ['--slug', 'globex', '--name', 'Globex Corp', '--plan', 'pro'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created tenant globex \(Globex Corp\), plan pro, id [0-9a-f-]{36}/);
    expect(created.stdout).toContain('npm run user:create -- --tenant globex');

    const user = await task('user:create', ['--tenant', 'globex', '--email', 'Hank@Globex.example', '--role', 'tenant_admin'], env);
    expect(user.code, user.stderr).toBe(0);
    const password = /Password \(shown once, store it now\): (\S+)/.exec(user.stdout)?.[1];
    expect(password, user.stdout).toBeDefined();

    const second = await task(
      'user:create',
      ['--tenant', 'globex', '--email', 'marge@globex.example', '--role', 'sales_user', '--name', 'Marge', '--password', 'a-long-Pa55phrase'],
      env,
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('Password');

    const [tenant] = await query<{ id: string; name: string; plan: string }>(dataDir, "select id, name, plan from tenants where slug = 'globex'");
    expect(tenant).toMatchObject({ name: 'Globex Corp', plan: 'pro' });
    const users = await query<{ email: string; name: string; role: string; status: string; password_hash: string }>(
      dataDir,
      'select email, name, role, status, password_hash from users where tenant_id = $1 order by email',
      [tenant?.id],
    );
    expect(users.map(({ password_hash: _, ...u }) => u)).toEqual([
      { email: 'hank@globex.example', name: 'hank', role: 'tenant_admin', status: 'active' },
      { email: 'marge@globex.example', name: 'Marge', role: 'sales_user', status: 'active' },
    ]);
    await expect(nativeHasher.verify(password as string, users[0]?.password_hash as string)).resolves.toBe(true);
    await expect(nativeHasher.verify('a-long-Pa55phrase', users[1]?.password_hash as string)).resolves.toBe(true);
    const audit = await query<{ action: string; actor_type: string }>(dataDir, 'select action, actor_type from audit_logs where tenant_id = $1', [tenant?.id]);
    expect(audit).toEqual([
      { action: 'user.created', actor_type: 'system' },
      { action: 'user.created', actor_type: 'system' },
    ]);
  }, 90_000);

  it('refuses bad input with a message and exit 1, writing nothing', async () => {
    const cases: [keyof typeof SCRIPTS, string[], RegExp][] = [
      ['tenant:create', ['--slug', 'globex', '--name', 'Again'], /the slug "globex" is taken/],
      ['tenant:create', ['--slug', 'Bad_Slug', '--name', 'x'], /--slug: slug must be/],
      ['tenant:create', ['--slug', 'initech', '--name', 'Initech', '--plan', 'gold'], /--plan: one of free, pro, enterprise/],
      ['user:create', ['--tenant', 'globex', '--email', 'hank@globex.example', '--role', 'manager'], /already exists in globex/],
      ['user:create', ['--tenant', 'globex', '--email', 'x@globex.example', '--role', 'owner'], /--role: one of tenant_admin/],
      [
        'user:create',
        ['--tenant', 'globex', '--email', 'x@globex.example', '--role', 'manager', '--password', 'password123'],
        /--password: password is too common/,
      ],
      ['user:create', ['--tenant', 'nowhere', '--email', 'x@globex.example', '--role', 'manager'], /no tenant "nowhere"/],
      ['user:create', ['--tenant', 'globex', '--role', 'manager'], /--email is required/],
    ];
    // One at a time: several processes must not open the same embedded database at once.
    const runs: Run[] = [];
    for (const [name, args] of cases) runs.push(await task(name, args, env));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]?.[1].join(' ')).toBe(1);
      expect(run.stderr).toMatch(cases[i]?.[2] as RegExp);
    });
    expect(await query(dataDir, 'select slug from tenants order by slug')).toEqual([{ slug: 'globex' }]);
    expect(await query(dataDir, 'select count(*)::int as n from users')).toEqual([{ n: 2 }]);
  }, 90_000);

  it('user:create respects the plan: a free tenant has one seat', async () => {
    expect((await task('tenant:create', ['--slug', 'initech', '--name', 'Initech'], env)).code).toBe(0);
    expect((await task('user:create', ['--tenant', 'initech', '--email', 'bill@initech.example', '--role', 'tenant_admin'], env)).code).toBe(0);
    const over = await task('user:create', ['--tenant', 'initech', '--email', 'peter@initech.example', '--role', 'sales_user'], env);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/Error: .*(plan|limit)/i);
    expect(await query(dataDir, "select email from users where email like '%initech%'")).toEqual([{ email: 'bill@initech.example' }]);
  }, 60_000);

  it('db:reset needs --yes, refuses in production, then leaves an empty migrated database', async () => {
    const unconfirmed = await task('db:reset', [], env);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('Run again with --yes');
    const production = await task('db:reset', ['--yes'], { ...env, NODE_ENV: 'production' });
    expect(production.code).toBe(1);
    expect(production.stderr).toContain('NODE_ENV=production');
    expect(await query(dataDir, 'select count(*)::int as n from tenants')).toEqual([{ n: 2 }]);

    const reset = await task('db:reset', ['--yes'], env);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/Migrated embedded database at .*: \d+ tables, empty\./);
    expect(await query(dataDir, 'select count(*)::int as n from tenants')).toEqual([{ n: 0 }]);
    expect(await query(dataDir, 'select count(*)::int as n from users')).toEqual([{ n: 0 }]);
  }, 90_000);
});

describe('db:reset with DATABASE_URL', () => {
  let scratch: ScratchDatabase | undefined;
  let skip: string | undefined;
  beforeAll(async () => {
    if (!process.env.TEST_DATABASE_URL) {
      skip = 'TEST_DATABASE_URL is not set';
    } else {
      const db = await createScratchDatabase('crm_cli');
      if ('skip' in db) skip = db.skip;
      else scratch = db;
    }
    if (skip) console.warn(`[cli] skipping db:reset against server Postgres: ${skip}`);
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('drops the app tables only (and the migration journal), then migrates', async (ctx) => {
    if (!scratch) return ctx.skip();
    const env = { DATABASE_URL: scratch.url };
    expect((await task('tenant:create', ['--slug', 'umbrella', '--name', 'Umbrella'], env)).code).toBe(0);
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    try {
      await client.query('create table not_ours (id int); insert into not_ours values (1)');
      const reset = await task('db:reset', ['--yes'], env);
      expect(reset.code, reset.stderr).toBe(0);
      expect(reset.stdout).toMatch(/Dropped \d+ tables and the migration journal in /);
      expect((await client.query('select count(*)::int as n from tenants')).rows).toEqual([{ n: 0 }]);
      expect((await client.query('select count(*)::int as n from not_ours')).rows).toEqual([{ n: 1 }]);
      // RLS is forced again on the recreated tables (the migrations ran in full).
      const forced = await client.query("select relname from pg_class where relname = 'leads' and relforcerowsecurity");
      expect(forced.rowCount).toBe(1);
    } finally {
      await client.end();
    }
  }, 90_000);
});
