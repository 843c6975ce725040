/**
 * What the CLI tasks (db:reset, tenant:create, user:create) share: argument
 * parsing with --help, the target database (DATABASE_URL, else the embedded
 * one under DATA_DIR) and one way to fail with a message and exit code.
 */
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Database } from '../../src/db/client.ts';

export class CliError extends Error {}

/** Parses argv strictly; `--help` prints the usage and exits 0, a bad flag prints the reason and exits 2. */
type OptionSpec = { type: 'string' | 'boolean'; default?: string | boolean };
type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };

export function parseCli<const O extends Record<string, OptionSpec>>(usage: string, options: O): Values<O> {
  try {
    const config: ParseArgsConfig = { options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false };
    const { values } = parseArgs(config);
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    return values as Values<O>;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}

export function requireOption(value: string | undefined, flag: string): string {
  if (!value) throw new CliError(`${flag} is required (see --help)`);
  return value;
}

/** Where the tasks write: shown in their output so nobody changes the wrong database. */
export function targetName(): string {
  const url = process.env.DATABASE_URL;
  if (url) {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  }
  return `embedded database at ${embeddedDir()}`;
}

export const embeddedDir = () => join(process.env.DATA_DIR ?? '.data', 'pglite');

/** Opens the target database, migrated (the tasks run before or without the server). */
export async function openTarget(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const { openPostgres, migratePostgres } = await import('../../src/db/postgres.ts');
    await migratePostgres(url);
    return openPostgres({ url, max: 2 }).database;
  }
  const { openPglite } = await import('../../src/db/pglite.ts');
  return (await openPglite(embeddedDir())).database;
}

/** Runs a task: a CliError (or a refused write) prints its message and exits 1; anything else is a crash with its stack. */
export async function runTask(task: () => Promise<void>) {
  try {
    await task();
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`Error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
