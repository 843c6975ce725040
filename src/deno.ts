import { getConnInfo } from 'hono/deno';
import { banner, startServerApp } from './server.ts';

// Only the Deno APIs used here, declared locally so `tsc` (Node types) stays
// clean without a Deno types package; `deno check` uses the real ones.
declare const Deno: {
  env: { toObject(): Record<string, string> };
  build: { os: string };
  addSignalListener(signal: 'SIGINT' | 'SIGTERM', handler: () => void): void;
  exit(code?: number): never;
};

/**
 * Deno entry: `deno serve -A src/deno.ts` (or `deno task dev|start`, which
 * map PORT/HOST onto `--port`/`--host`; see deno.json). Under `deno serve`
 * the listener belongs to Deno, so this file only exports the handler.
 */
const { app, config, close } = await startServerApp({
  env: Deno.env.toObject(),
  peerIp: (c) => getConnInfo(c).remote.address,
});

// Like the Node entry: close the database (PGlite flushes its files) before
// exiting. A listener replaces Deno's default exit, so exit explicitly.
// Windows only delivers SIGINT to listeners.
for (const signal of Deno.build.os === 'windows' ? (['SIGINT'] as const) : (['SIGINT', 'SIGTERM'] as const)) {
  Deno.addSignalListener(signal, () => {
    close().finally(() => Deno.exit(0));
  });
}

export default {
  fetch: app.fetch,
  // Replaces deno serve's own "Listening on" line with the same banner as Node.
  onListen({ hostname, port }: { hostname: string; port: number }) {
    const host = hostname.includes(':') ? `[${hostname}]` : hostname;
    console.log(banner(`http://${host}:${port}`, config));
  },
};
