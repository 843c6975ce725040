import type { PGlite } from '@electric-sql/pglite';
import type { Context } from 'hono';
import pg from 'pg';
import { afterAll } from 'vitest';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { createQueryLog, type QueryLog } from '../src/db/query-log.ts';
import { type Role, roles } from '../src/db/schema/index.ts';
import { DEMO_PASSWORD, DEMO_TENANTS, demoEmail, seedDemo } from '../src/db/seed.ts';
import { createLogger } from '../src/lib/logger.ts';
import type { EmailMessage, Notifier } from '../src/lib/notifier.ts';
import { nativeHasher } from '../src/lib/passwords-native.ts';
import { createPrincipalCache, type PrincipalCache } from '../src/lib/principal-cache.ts';
import { memoryRateLimitStore, type RateLimitStore } from '../src/lib/rate-limit.ts';

/**
 * The one test harness: a fresh, migrated database per test file (PGlite, or
 * a database cloned from a migrated template on the server Postgres when
 * TEST_DB=postgres), the real app on top, and the two demo tenants seeded
 * with one user per role.
 */
export const TEST_ENV = {
  NODE_ENV: 'test',
  JWT_SECRET: 'test-jwt-secret-that-is-long-enough-0123456789',
  PLATFORM_ADMIN_KEY: 'test-platform-key-that-is-long-enough-0123',
  LOG_LEVEL: 'info',
  BASE_DOMAIN: 'crm.test',
} as const;

export const usingPostgres = process.env.TEST_DB === 'postgres';

export interface RawDb {
  /** Runs SQL on a separate connection, as the database owner (bypasses the app). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

async function openTestDatabase(queryLog: QueryLog, onRoundTrip: () => void): Promise<{ database: Database; raw: RawDb; close: () => Promise<void> }> {
  if (usingPostgres) {
    const { openPostgres } = await import('../src/db/postgres.ts');
    const adminUrl = process.env.TEST_DATABASE_URL as string;
    const template = process.env.TEST_TEMPLATE_DB as string;
    const name = `crm_t_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const { database, pool } = openPostgres({ url: url.toString(), max: 10, logger: queryLog.logger, onRoundTrip });
    return {
      database,
      raw: { query: async (text, params) => (await pool.query(text, params as unknown[])).rows },
      close: async () => {
        await pool.end();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const { openPglite } = await import('../src/db/pglite.ts');
  const { database, client } = await openPglite(undefined, { logger: queryLog.logger });
  return {
    database,
    raw: { query: async (text, params) => (await (client as PGlite).query(text, params as unknown[])).rows as never[] },
    close: () => client.close(),
  };
}

export interface Harness {
  app: ReturnType<typeof createApp>;
  db: Database;
  raw: RawDb;
  logs: string[];
  emails: EmailMessage[];
  rateLimits: RateLimitStore;
  request(method: string, path: string, init?: RequestInit2): Promise<Response>;
  login(tenant: string, role: Role): Promise<Session>;
  /** One session per role of a demo tenant. */
  loginAll(tenant: string): Promise<Record<Role, Session>>;
  tenantId(slug: string): Promise<string>;
  /**
   * Runs fn and returns the data statements the app's database sent meanwhile
   * (transaction control and the tenant-scope statement excluded; h.raw is
   * not counted). Run nothing else concurrently while measuring.
   */
  countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[]; params: unknown[][] }>;
  /**
   * Like countQueries, plus the network round trips they took (server
   * Postgres: statements pipelined together count once; PGlite is in-process,
   * so there roundTrips is 0). h.raw is not counted.
   */
  countRoundTrips<T>(fn: () => Promise<T>): Promise<{ result: T; roundTrips: number; statements: string[] }>;
  /** The app's principal cache (src/lib/principal-cache.ts); h.raw clears it, as a change made on another instance would after its TTL. */
  principals: PrincipalCache;
}

export interface RequestInit2 {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  host?: string;
  ip?: string;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  userId: string;
  tenantId: string;
}

export { DEMO_PASSWORD, DEMO_TENANTS, demoEmail };

/** Builds the app for one test file; closed automatically after the file. */
export interface HarnessOptions {
  /** The rate-limit store (default: a fresh in-memory one); e.g. a Redis store shared by two harnesses. */
  rateLimits?: RateLimitStore;
  /** Stands in for the email provider (default: appends to `h.emails` at once), e.g. to hold sends back. */
  notifier?: Notifier;
}

export async function createHarness(envOverrides: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const queryLog = createQueryLog();
  let roundTrips = 0;
  let rawQueries = 0;
  const opened = await openTestDatabase(queryLog, () => {
    if (rawQueries === 0) roundTrips++;
  });
  const { database, close } = opened;
  const config = loadConfig({ ...TEST_ENV, ...envOverrides });
  const principals = createPrincipalCache(config.PRINCIPAL_CACHE_TTL_MS);
  // Owner-level SQL changes rows behind the app's back: tests expect its effect on the next request.
  const raw: RawDb = {
    async query(text, params) {
      rawQueries++;
      try {
        return await opened.raw.query(text, params);
      } finally {
        rawQueries--;
        principals.clear();
      }
    },
  };
  const logs: string[] = [];
  const emails: EmailMessage[] = [];
  const logger = createLogger(config.LOG_LEVEL, (line) => logs.push(line));
  const notifier: Notifier = options.notifier ?? { sendEmail: async (m) => void emails.push(m) };
  const rateLimits = options.rateLimits ?? memoryRateLimitStore();
  await seedDemo(database, nativeHasher, config.BCRYPT_COST);
  const app = createApp({
    config,
    db: database,
    hasher: nativeHasher,
    rateLimits,
    notifier,
    logger,
    // Tests stand in for the socket: the peer address is whatever the test says it is.
    peerIp: (c: Context) => c.req.header('x-test-peer') ?? '127.0.0.1',
    principals,
  });
  afterAll(close);

  const request: Harness['request'] = (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.host) headers.host = init.host;
    if (init.ip) headers['x-test-peer'] = init.ip;
    let body: BodyInit | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    return Promise.resolve(app.request(`http://api.crm.test${path}`, { method, headers, body }));
  };

  const login: Harness['login'] = async (tenant, role) => {
    const res = await request('POST', '/api/auth/login', {
      body: { email: demoEmail(tenant, role), password: DEMO_PASSWORD, tenant },
      ip: `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
    });
    if (res.status !== 200) throw new Error(`login ${tenant}/${role} failed: ${res.status} ${await res.text()}`);
    const { data } = (await res.json()) as { data: { user: { id: string }; tenant: { id: string }; tokens: Session } };
    return { ...data.tokens, userId: data.user.id, tenantId: data.tenant.id };
  };

  return {
    app,
    db: database,
    raw,
    logs,
    emails,
    rateLimits,
    request,
    login,
    async loginAll(tenant) {
      const sessions = await Promise.all(roles.map(async (role) => [role, await login(tenant, role)] as const));
      return Object.fromEntries(sessions) as Record<Role, Session>;
    },
    async tenantId(slug) {
      const rows = await raw.query<{ id: string }>('select id from tenants where slug = $1', [slug]);
      if (!rows[0]) throw new Error(`no tenant ${slug}`);
      return rows[0].id;
    },
    countQueries: (fn) => queryLog.capture(fn),
    async countRoundTrips(fn) {
      const before = roundTrips;
      const { result, statements } = await queryLog.capture(fn);
      return { result, roundTrips: roundTrips - before, statements };
    },
    principals,
  };
}

/** Reads a JSON body with a loose type, for assertions. */
export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
