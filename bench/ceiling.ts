/**
 * The stack's physical limit for the list endpoint: a bare Hono app on the
 * same Node server adapter, driver and pool, running the exact statement the
 * full app sends for GET /api/leads?limit=25 (captured by bench/run.ts) in the
 * same scoped transaction (BEGIN, tenant scope, SELECT, COMMIT pipelined), with
 * no middleware, validation or response mapping.
 *
 * Env: BENCH_DATABASE_URL, PORT, CEILING_QUERY = JSON {text, params, tenantId}.
 */
import { serve } from '@hono/node-server';
import { type SQL, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { openPostgres } from '../src/db/postgres.ts';

const { text, params, tenantId } = JSON.parse(process.env.CEILING_QUERY as string) as { text: string; params: unknown[]; tenantId: string };

/** The captured `$n` statement as drizzle SQL with the same parameters bound. */
function bind(statement: string, values: unknown[]): SQL {
  const parts = statement.split(/\$(\d+)/);
  return sql.join(parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1]}`)));
}

const query = bind(text, params);
const { database } = openPostgres({ url: process.env.BENCH_DATABASE_URL as string, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
const app = new Hono();
app.get('/ceiling', async (c) => {
  const [result] = await database.batch(tenantId, (q) => [q.execute(query)] as const);
  return c.json({ data: (result as unknown as { rows: unknown[] }).rows });
});
app.get('/health', (c) => c.json({ status: 'ok' }));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.once('SIGTERM', () => server.close(() => void database.close().then(() => process.exit(0))));
