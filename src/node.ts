import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { banner, startServerApp } from './server.ts';

const { app, config, db, rateLimits } = await startServerApp({
  env: process.env,
  peerIp: (c) => getConnInfo(c).remote.address,
});

const port = Number(process.env.PORT ?? 8787);
const hostname = process.env.HOST ?? '127.0.0.1';
const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  const host = info.address.includes(':') ? `[${info.address}]` : info.address;
  console.log(banner(`http://${host}:${info.port}`, config));
});

// Stop accepting, let in-flight requests finish, close the pool, exit 0.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(async () => {
      await Promise.all([db.close(), rateLimits.close?.()]);
      process.exit(0);
    });
  });
}
