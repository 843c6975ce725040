import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Smoke test of the Deno entry: runs `deno task dev` (deno.json) exactly as a
 * developer would, on a free port and a fresh DATA_DIR, and drives it over
 * real HTTP. The in-process suites cover behaviour; this only proves the app
 * boots and serves on Deno (PGlite, @node-rs/bcrypt, PORT/HOST mapping).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const denoBin = process.env.DENO_BIN ?? join(root, 'node_modules', '.bin', 'deno');
const BOOT_TIMEOUT_MS = 90_000; // cold start: Deno transpile cache + PGlite initdb + migrations + seed
const REQUEST_TIMEOUT_MS = 10_000;

function denoUnavailable(): string | undefined {
  const probe = spawnSync(denoBin, ['--version'], { timeout: 15_000, encoding: 'utf8' });
  if (probe.error) return `${denoBin}: ${probe.error.message}`;
  if (probe.status !== 0) return `${denoBin} --version exited with ${probe.status}: ${probe.stderr.trim()}`;
  return undefined;
}
const skipReason = denoUnavailable();
if (skipReason) console.warn(`[deno smoke] skipped: deno binary unavailable (${skipReason}); run npm install.`);

/** A port the OS just handed out; the tiny reuse race is acceptable for a smoke test. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe.skipIf(skipReason)('Deno entry (deno task dev)', () => {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let dataDir = '';
  let base = '';
  let output = '';
  let accessToken = '';
  const started = Date.now();

  const request = (path: string, init: RequestInit = {}) => fetch(base + path, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

  // deno task spawns deno serve as a grandchild: signal the whole process group.
  const killGroup = (signal: NodeJS.Signals) => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    }
  };
  const killOnExit = () => killGroup('SIGKILL'); // if vitest dies before afterAll

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-deno-smoke-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development', // generated secrets + demo seed
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      NO_COLOR: '1',
    };
    // Whatever the surrounding run points at, this server uses its own fresh PGlite.
    for (const name of ['DATABASE_URL', 'DATABASE_READ_URL', 'REDIS_URL']) delete env[name];

    child = spawn(denoBin, ['task', 'dev'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    process.once('exit', killOnExit);
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000); // keep the tail for failure messages
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let exitInfo: string | undefined;
    exited = new Promise((resolve) =>
      child?.once('exit', (code, signal) => {
        exitInfo = `exited with ${signal ?? code}`;
        resolve();
      }),
    );

    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    for (;;) {
      if (exitInfo) throw new Error(`deno task dev ${exitInfo} before /health answered:\n${output}`);
      if (Date.now() > deadline) throw new Error(`/health not ready within ${BOOT_TIMEOUT_MS} ms:\n${output}`);
      try {
        const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`[deno smoke] /health ready after ${Date.now() - started} ms`);
  }, BOOT_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    killGroup('SIGTERM'); // the entry closes PGlite on SIGTERM
    const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 10_000, false))]);
    if (!stopped) {
      killGroup('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
    process.off('exit', killOnExit);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    console.log(`[deno smoke] total ${Date.now() - started} ms`);
  }, 30_000);

  it('serves /health', async () => {
    const res = await request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('logs in the seeded demo admin (PGlite + @node-rs/bcrypt on Deno)', async () => {
    const res = await request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@acme.example', password: 'DemoPass!2026', tenant: 'acme' }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.data.tokens.accessToken).toEqual(expect.any(String));
    accessToken = body.data.tokens.accessToken;
  });

  it('answers /api/auth/me with the bearer token', async () => {
    expect(accessToken, 'login step must pass first').not.toBe('');
    const res = await request('/api/auth/me', { headers: { authorization: `Bearer ${accessToken}` } });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.data.user).toMatchObject({ email: 'admin@acme.example', role: 'tenant_admin' });
    expect(body.data.tenant).toMatchObject({ slug: 'acme' });
  });

  it("serves /docs with Scalar's bundle read from node_modules (no CDN)", async () => {
    const page = await (await request('/docs')).text();
    expect(page).toContain('<script src="/docs/scalar.js"');
    const res = await request('/docs/scalar.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(await res.text()).toContain('@scalar/api-reference');
  });

  it('returns the JSON error shape for an unknown route', async () => {
    const res = await request('/api/no-such-route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = await res.json();
    expect(body).toMatchObject({ error: 'not_found', message: expect.any(String), requestId: expect.any(String) });
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  });
});
