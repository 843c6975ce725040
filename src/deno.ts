import { getConnInfo } from 'hono/deno';
import { startServerApp } from './server.ts';

declare const Deno: { env: { toObject(): Record<string, string> } };

/** `deno serve -A src/deno.ts` (PORT/HOST via --port/--host, see deno.json). */
const { app } = await startServerApp({
  env: Deno.env.toObject(),
  peerIp: (c) => getConnInfo(c).remote.address,
});

export default { fetch: app.fetch };
