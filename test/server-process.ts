import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isolatedEnv, root } from './e2e/dev-server.ts';

/**
 * The Node entry (src/node.ts) as its own process, run by node itself (tsx as
 * an --import hook, no wrapper process), so signals reach it directly and its
 * exit code is its own. For fault, shutdown and load tests on server Postgres.
 */
export interface ServerProcess {
  base: string;
  pid: number;
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after 15 s; removes the data directory. */
  stop(): Promise<void>;
}

export const PLATFORM_KEY = 'fault-test-platform-key-that-is-long-enough';
export const JWT_SECRET = 'fault-test-jwt-secret-that-is-long-enough-0123';

export async function startServer(extra: Record<string, string>, bootTimeoutMs = 90_000): Promise<ServerProcess> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-server-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    cwd: root,
    env: isolatedEnv({
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      JWT_SECRET,
      PLATFORM_ADMIN_KEY: PLATFORM_KEY,
      ...extra,
    }),
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
  const killOnExit = () => kill('SIGKILL');
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
  return { base, pid: child.pid as number, output: () => output, exited, kill, stop };
}

/** Registers a tenant over HTTP and lifts it to a plan without limits (platform API), returning its admin's token. */
export async function registerUnlimitedTenant(base: string, slug: string): Promise<{ token: string; tenantId: string }> {
  const res = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tenantName: `Tenant ${slug}`,
      tenantSlug: slug,
      name: 'Owner',
      email: `owner@${slug}.example`,
      password: 'Plenty-long-passphrase-42',
    }),
  });
  if (res.status !== 201) throw new Error(`register ${slug}: ${res.status} ${await res.text()}`);
  const { data } = (await res.json()) as { data: { tokens: { accessToken: string }; tenant: { id: string } } };
  const lift = await fetch(`${base}/api/platform/tenants/${data.tenant.id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_KEY}` },
    body: JSON.stringify({ planOverride: 'enterprise' }),
  });
  if (lift.status !== 200) throw new Error(`plan override ${slug}: ${lift.status} ${await lift.text()}`);
  return { token: data.tokens.accessToken, tenantId: data.tenant.id };
}

/** A JSON import body of n new leads with distinct emails. */
export const importRows = (n: number, tag: string) =>
  JSON.stringify(Array.from({ length: n }, (_, i) => ({ lastName: `Row ${i}`, email: `${tag}-${i}@import.example` })));
