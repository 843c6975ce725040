/**
 * Runs both bridges until interrupted and prints the Worker bindings that use
 * them: `tsx scripts/neon-bridge/cli.ts [httpPort] [wsPort]` (default: free ports).
 */
import { startHttpBridge } from './http-bridge.ts';
import { startWsBridge } from './ws-bridge.ts';

const [httpPort, wsPort] = process.argv.slice(2).map(Number);
const http = await startHttpBridge({ port: httpPort || 0 });
const ws = await startWsBridge({ port: wsPort || 0 });
console.log(`NEON_HTTP_ENDPOINT=${http.endpoint}\nNEON_WS_PROXY=${ws.proxy}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await Promise.all([http.close(), ws.close()]);
    process.exit(0);
  });
}
