import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node server as a real process, for tests that drive it from outside. */
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const BOOT_TIMEOUT_MS = 90_000; // PGlite initdb + migrations + demo seed on a cold DATA_DIR

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A child's environment: its own embedded database and in-memory limits, whatever the surrounding run points at, unless `extra` names them. */
export function isolatedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', NO_COLOR: '1' };
  for (const name of ['DATABASE_URL', 'DATABASE_READ_URL', 'REDIS_URL', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN']) delete env[name];
  return { ...env, ...extra };
}

/**
 * src/node.ts as its own process on a free port and a fresh DATA_DIR, run by
 * node itself (tsx as an --import hook, no wrapper process), so signals reach
 * it directly and its exit code is its own. Resolves once /health answers.
 */
export interface ServerProcess {
  base: string;
  pid: number;
  dataDir: string;
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after 15 s; removes the data directory. */
  stop(): Promise<void>;
}

export async function startNode(extra: Record<string, string>, bootTimeoutMs = BOOT_TIMEOUT_MS): Promise<ServerProcess> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-server-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    cwd: root,
    env: isolatedEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ...extra }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-16_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const kill = (signal: NodeJS.Signals) => {
    if (!done) child.kill(signal);
  };
  const killOnExit = () => kill('SIGKILL'); // if vitest dies before stop()
  process.once('exit', killOnExit);
  const stop = async () => {
    kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 15_000, false))]);
    if (!stopped) {
      kill('SIGKILL');
      await exited;
    }
    process.off('exit', killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };

  for (;;) {
    if (done) {
      await stop();
      throw new Error(`server exited before /health answered:\n${output}`);
    }
    if (Date.now() > started + bootTimeoutMs) {
      await stop();
      throw new Error(`/health not ready within ${bootTimeoutMs} ms:\n${output}`);
    }
    try {
      if ((await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base, pid: child.pid as number, dataDir, output: () => output, exited, kill, stop };
}

export type DevServer = ServerProcess;

/**
 * `npm run dev`'s Node entry as a developer runs it (development mode:
 * generated secrets, demo seed), for the browser and example-script tests.
 */
export async function startDevServer(): Promise<DevServer> {
  const started = Date.now();
  const server = await startNode({});
  console.log(`[dev server] ${server.base} ready after ${Date.now() - started} ms`);
  return server;
}
