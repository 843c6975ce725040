/**
 * Local stand-in for Neon's WebSocket proxy, so the real driver's `Pool` /
 * `Client` (interactive transactions) reach a plain Postgres. Point the driver
 * at it with `neonConfig.wsProxy = (host, port) => '127.0.0.1:<port>/v2?address=' + host + ':' + port`
 * and `useSecureWebSocket = false`, `pipelineTLS = false`, `pipelineConnect = false`
 * (no TLS inside the tunnel, and the driver must wait for each handshake step).
 *
 * Protocol subset: one WebSocket per Postgres connection; the `address`
 * query parameter names the TCP target; binary messages carry the raw
 * Postgres wire protocol both ways; either side closing closes the other.
 * Development only: binds loopback.
 */
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { WebSocketServer } from 'ws';

export interface WsBridge {
  port: number;
  /** host:port, the prefix for `neonConfig.wsProxy`. */
  proxy: string;
  close(): Promise<void>;
}

export async function startWsBridge({ host = '127.0.0.1', port = 0 } = {}): Promise<WsBridge> {
  const wss = new WebSocketServer({ host, port });
  wss.on('connection', (ws, req) => {
    const address = new URL(req.url ?? '/', 'http://bridge').searchParams.get('address') ?? '';
    const colon = address.lastIndexOf(':');
    if (colon < 1) return ws.close(1008, 'missing ?address=host:port');
    // Writes made before the TCP connect completes are queued by Node.
    const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
    ws.on('message', (data: Buffer) => socket.write(data));
    ws.on('close', () => socket.end());
    ws.on('error', () => socket.destroy());
    socket.on('data', (chunk) => ws.send(chunk));
    socket.on('close', () => ws.close());
    socket.on('error', () => ws.terminate());
  });
  await new Promise((resolve, reject) => wss.once('listening', resolve).once('error', reject));
  const actual = (wss.address() as AddressInfo).port;
  return {
    port: actual,
    proxy: `${host}:${actual}`,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}
