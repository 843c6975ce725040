/**
 * Local stand-in for Neon's SQL-over-HTTP endpoint, so the real
 * `@neondatabase/serverless` driver (`neon()`, drizzle `neon-http`) talks to a
 * plain Postgres in development and tests. Point the driver at it with
 * `neonConfig.fetchEndpoint = () => 'http://127.0.0.1:<port>/sql'`.
 *
 * Protocol subset (the driver's internal one, @neondatabase/serverless 1.2.0;
 * test/neon-bridge.test.ts pins it):
 * - `POST` (any path). Headers: `Neon-Connection-String` (the target database;
 *   one pg pool per distinct string), `Neon-Raw-Text-Output: true` and
 *   `Neon-Array-Mode: true` (always sent: rows go back as arrays of text and
 *   the driver parses them by `dataTypeID`).
 * - Body `{query, params}` (params already text or null) → 200
 *   `{command, rowCount, fields: [{name, dataTypeID, ...}], rows: [[text|null, ...]]}`.
 * - Body `{queries: [{query, params}, ...]}` → one transaction, 200 `{results: [...]}`.
 *   `Neon-Batch-Isolation-Level` (ReadUncommitted | ReadCommitted |
 *   RepeatableRead | Serializable), `Neon-Batch-Read-Only` and
 *   `Neon-Batch-Deferrable` ('true') shape its BEGIN.
 * - Any failure → 400 `{message, code, severity, detail, constraint, ...}`
 *   (the driver copies these onto its NeonDbError; a refused connection keeps
 *   its `ECONNREFUSED` code so the app answers 503).
 * As on Neon: extended query protocol (one statement per query), TimeZone UTC,
 * and each connection is `DISCARD ALL`-ed before going back to its pool so no
 * role or setting leaks into the next request. Not implemented: auth tokens,
 * `Neon-Pool-Opt-In`, result size limits. Development only: binds loopback.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

const ISOLATION: Record<string, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};
const ERROR_FIELDS = [
  'code',
  'severity',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
];
// Leave every value as Postgres' text: parsing is the driver's job.
const rawText = { getTypeParser: () => (value: string) => value };

interface SqlQuery {
  query: string;
  params?: unknown[];
}

async function run(client: pg.PoolClient, q: SqlQuery) {
  const config = { text: q.query, values: q.params ?? [], rowMode: 'array', types: rawText, queryMode: 'extended' };
  const r = await client.query(config as pg.QueryArrayConfig);
  return { command: r.command, rowCount: r.rowCount, fields: r.fields, rows: r.rows };
}

function begin(req: IncomingMessage): string {
  const parts = ['BEGIN'];
  const level = ISOLATION[String(req.headers['neon-batch-isolation-level'])];
  if (level) parts.push(`ISOLATION LEVEL ${level}`);
  if (req.headers['neon-batch-read-only'] === 'true') parts.push('READ ONLY');
  if (req.headers['neon-batch-deferrable'] === 'true') parts.push('DEFERRABLE');
  return parts.join(' ');
}

export interface HttpBridge {
  port: number;
  /** The value for `neonConfig.fetchEndpoint`. */
  endpoint: string;
  close(): Promise<void>;
}

export async function startHttpBridge({ host = '127.0.0.1', port = 0 } = {}): Promise<HttpBridge> {
  const pools = new Map<string, pg.Pool>();
  const poolFor = (connectionString: string) => {
    let pool = pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({ connectionString, max: 10, options: '-c TimeZone=UTC' });
      pool.on('error', () => {}); // an idle connection dropped by the server: the next checkout reconnects
      pools.set(connectionString, pool);
    }
    return pool;
  };

  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    let client: pg.PoolClient | undefined;
    try {
      const connectionString = req.headers['neon-connection-string'];
      if (req.method !== 'POST' || typeof connectionString !== 'string') {
        return reply(400, { message: 'expected POST with a Neon-Connection-String header' });
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SqlQuery | { queries: SqlQuery[] };
      client = await poolFor(connectionString).connect();
      if (!('queries' in body)) return reply(200, await run(client, body));
      await client.query(begin(req));
      try {
        const results = [];
        for (const q of body.queries) results.push(await run(client, q));
        await client.query('COMMIT');
        reply(200, { results });
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    } catch (err) {
      const e = err as Record<string, unknown>;
      reply(400, { message: String(e.message ?? err), ...Object.fromEntries(ERROR_FIELDS.map((f) => [f, e[f]])) });
    } finally {
      if (client) {
        const c = client;
        await c.query('DISCARD ALL').then(
          () => c.release(),
          (err: Error) => c.release(err),
        );
      }
    }
  });

  server.listen(port, host);
  await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    endpoint: `http://${host}:${actual}/sql`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([...pools.values()].map((p) => p.end()));
    },
  };
}
