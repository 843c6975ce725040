import { neon, neonConfig, Pool } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleWs } from 'drizzle-orm/neon-serverless';
import { type Database, type Queryable, scopeStatement, withDeferred } from './client.ts';
import * as schema from './schema/index.ts';

export interface NeonOptions {
  url: string;
  /** Local development only: an HTTP endpoint speaking Neon's SQL-over-HTTP protocol (scripts/neon-bridge/http-bridge.ts). */
  httpEndpoint?: string;
  /** Local development only: a WebSocket-to-TCP proxy host:port (scripts/neon-bridge/ws-bridge.ts). */
  wsProxy?: string;
}

/**
 * Neon's serverless driver, as the Worker uses it: batches and one-shot reads go
 * over HTTP (one request each, one transaction); interactive transactions open a
 * WebSocket pool for that transaction only, since Workers cannot share sockets
 * across requests.
 */
export function createNeonDatabase(options: NeonOptions): Database {
  if (options.httpEndpoint) {
    const endpoint = options.httpEndpoint;
    neonConfig.fetchEndpoint = () => endpoint;
  }
  if (options.wsProxy) {
    const proxy = options.wsProxy;
    neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
  const http = drizzleHttp({ client: neon(options.url), schema });

  return {
    async transaction(tenantId, fn) {
      const pool = new Pool({ connectionString: options.url, max: 1 });
      pool.on('error', () => {});
      try {
        const db = drizzleWs({ client: pool, schema });
        return await db.transaction(async (tx) => {
          await tx.execute(scopeStatement(tenantId));
          return withDeferred((defer) => fn(tx as unknown as Queryable, defer));
        });
      } finally {
        await pool.end();
      }
    },
    async batch(tenantId, build) {
      const queries = build(http as unknown as Queryable) as unknown as Parameters<typeof http.batch>[0];
      const [, ...results] = await http.batch([http.execute(scopeStatement(tenantId)), ...queries]);
      return results as never;
    },
    async ping() {
      await http.execute(sql`select 1`);
    },
    async close() {},
  };
}
