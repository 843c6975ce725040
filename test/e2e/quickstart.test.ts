import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, type DevServer, root, startDevServer } from './dev-server.ts';

/**
 * examples/quickstart.ts is what the README points new developers to: it
 * must type-check against the typed client and run against `npm run dev`.
 */
const run = promisify(execFile);

describe('examples/quickstart.ts and the typed client', () => {
  let server: DevServer | undefined;
  // tsc runs while the server boots.
  let typecheck: Promise<{ output: string; ms: number }> | undefined;
  beforeAll(async () => {
    const started = Date.now();
    typecheck = run(bin('tsc'), ['--noEmit', '-p', 'examples/tsconfig.json'], { cwd: root }).then(
      () => ({ output: '', ms: Date.now() - started }),
      (err: { stdout?: string; message: string }) => ({ output: err.stdout || err.message, ms: Date.now() - started }),
    );
    server = await startDevServer();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('type-checks (the example and the client type assertions in test/client/client.types.ts)', async () => {
    const result = await typecheck;
    expect(result?.output).toBe('');
    console.log(`[quickstart] tsc -p examples: ${result?.ms} ms`);
    // Every router's types are checked (~600k types): measured up to ~130 s on a loaded 2-core machine.
  }, 300_000);

  it('logs in, creates a lead and lists it, against the dev server', async () => {
    const { stdout } = await run(bin('tsx'), ['examples/quickstart.ts'], {
      cwd: root,
      env: { ...process.env, API_URL: server?.base },
      timeout: 60_000,
    });
    expect(stdout).toContain('Logged in as sales@acme.example (sales_user) in tenant acme');
    const id = /Created lead ([0-9a-f-]{36}): Grace Hopper </.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    // The new lead heads the newest-first list the example prints.
    expect(stdout.split('\n').find((l) => l.startsWith('  '))).toContain(`${id}  Hopper, Grace  US Navy  score 70`);

    // And it really is stored: read it back over plain HTTP.
    const login = await fetch(`${server?.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Tenant-ID': 'acme' },
      body: JSON.stringify({ email: 'admin@acme.example', password: 'DemoPass!2026' }),
    });
    const token = ((await login.json()) as { data: { tokens: { accessToken: string } } }).data.tokens.accessToken;
    const res = await fetch(`${server?.base}/api/leads/${id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { source: string } }).data.source).toBe('quickstart');
  }, 90_000);
});
