import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/db/pglite.ts';
import { webhookEndpoints } from '../../src/db/schema/index.ts';
import { scopedQueries } from '../../src/db/scoped.ts';
import { emitEvent } from '../../src/lib/events.ts';
import { encryptSecret, newWebhookSecret } from '../../src/lib/webhook-signing.ts';
import { startReceiver, verifySignature } from '../http/webhooks.helpers.ts';
import { bin, isolatedEnv, root } from './dev-server.ts';

/** npm run jobs:webhooks as an operator runs it: a child process against an embedded database. */
const exec = promisify(execFile);
const JWT_SECRET = 'cli-webhooks-jwt-secret-long-enough-0123456789';

async function run(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await exec(bin('tsx'), ['scripts/jobs-webhooks.ts', ...args], { cwd: root, env: isolatedEnv(env), timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('npm run jobs:webhooks', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-webhooks-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints its usage with --help and refuses unknown flags', async () => {
    const help = await run(['--help'], { DATA_DIR: dataDir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run jobs:webhooks');
    const bad = await run(['--bogus'], { DATA_DIR: dataDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage:');
  });

  it('--once delivers what is due, signed, and exits', { timeout: 120_000 }, async () => {
    const receiver = await startReceiver();
    const secret = newWebhookSecret();
    const { database, client } = await openPglite(join(dataDir, 'pglite'));
    try {
      const [tenant] = await client
        .query<{ id: string }>(`insert into tenants (slug, name) values ('cli-hooks', 'CLI hooks') returning id`)
        .then((r) => r.rows);
      const tenantId = tenant!.id;
      const secretEncrypted = await encryptSecret(JWT_SECRET, tenantId, secret);
      await database.transaction(tenantId, async (q) => {
        const s = scopedQueries(q, tenantId);
        await s.insert(webhookEndpoints, { url: receiver.url, eventTypes: ['*'], secretEncrypted });
        await emitEvent(s, 'lead.created', { id: 'from-the-cli-test' });
      });
    } finally {
      await client.close();
    }
    const result = await run(['--once'], { DATA_DIR: dataDir, JWT_SECRET });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Attempted 1 webhook deliveries in embedded database/);
    expect(receiver.received).toHaveLength(1);
    expect(verifySignature(secret, receiver.received[0]!)).toBe(true);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'lead.created', data: { id: 'from-the-cli-test' } });
  });
});
