import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import Redis from 'ioredis';

/** The Redis the suites share (REDIS_URL, else the local default), or why it cannot be used. */
export async function localRedis(): Promise<{ url: string } | { skip: string }> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
    return { url };
  } catch (err) {
    return { skip: `no Redis at ${url} (${(err as Error).message})` };
  } finally {
    probe.disconnect();
  }
}

/** A port nothing listens on: connections are refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A store that accepts connections and never answers: only a client-side timeout ends the wait. */
export async function silentServer(kind: 'tcp' | 'http'): Promise<{ port: number; close: () => Promise<void> }> {
  const server = kind === 'tcp' ? createServer(() => {}) : createHttpServer(() => {});
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
