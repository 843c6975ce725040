import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { banner, startServerApp } from './server.ts';

const { app, config, close } = await startServerApp({
  env: process.env,
  peerIp: (c) => getConnInfo(c).remote.address,
});

const port = Number(process.env.PORT ?? 8787);
const hostname = process.env.HOST ?? '127.0.0.1';
const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  const host = info.address.includes(':') ? `[${info.address}]` : info.address;
  console.log(banner(`http://${host}:${info.port}`, config));
});

// Stop accepting (idle keep-alive sockets are closed at once), let in-flight
// requests finish, stop background loops, close the pools, exit 0.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(async () => {
      await close();
      process.exit(0);
    });
  });
}
