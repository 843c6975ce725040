import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run dev`'s Node entry as a developer runs it (development mode:
 * generated secrets, demo seed), on a free port and a fresh DATA_DIR, for
 * tests that drive the real server from outside (browser, example scripts).
 */
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

export interface DevServer {
  base: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startDevServer(): Promise<DevServer> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-dev-server-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(bin('tsx'), ['src/node.ts'], {
    cwd: root,
    env: isolatedEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir }),
    detached: true, // tsx runs node as a child: signal the whole group
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitInfo = `exited with ${signal ?? code}`;
      resolve();
    }),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid && exitInfo === undefined) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    }
  };
  const killOnExit = () => signalGroup('SIGKILL'); // if vitest dies before stop()
  process.once('exit', killOnExit);

  const stop = async () => {
    signalGroup('SIGTERM'); // the entry closes PGlite on SIGTERM
    const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 10_000, false))]);
    if (!stopped) {
      signalGroup('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
    process.off('exit', killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = started + BOOT_TIMEOUT_MS;
  for (;;) {
    if (exitInfo) {
      await stop();
      throw new Error(`dev server ${exitInfo} before /health answered:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`/health not ready within ${BOOT_TIMEOUT_MS} ms:\n${output}`);
    }
    try {
      if ((await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`[dev server] ${base} ready after ${Date.now() - started} ms`);
  return { base, dataDir, output: () => output, stop };
}
