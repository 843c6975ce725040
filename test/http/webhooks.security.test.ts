import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';
import { createKey, expectError } from './api-keys.helpers.ts';
import { createEndpoint, drain, startReceiver } from './webhooks.helpers.ts';

let h: Harness;
let acme: Record<string, Session>;
let other: Session;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let endpoint: { id: string; secret: string };
let deliveryId: string;

beforeAll(async () => {
  h = await createHarness();
  acme = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
  receiver = await startReceiver();
  endpoint = await createEndpoint(h, acme.tenant_admin!.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
  await h.request('POST', '/api/leads', { token: acme.tenant_admin!.accessToken, body: { firstName: 'Sec', lastName: 'Hook' } });
  const [row] = await h.raw.query<{ id: string }>('select id from webhook_deliveries where endpoint_id = $1', [endpoint.id]);
  deliveryId = row!.id;
});

describe('who may manage webhooks', () => {
  it.each(['manager', 'sales_user', 'support_user', 'read_only'])('%s gets 403 on every webhook route', async (role) => {
    const token = acme[role]!.accessToken;
    await expectError(await h.request('GET', '/api/webhooks', { token }), 403, 'insufficient_permissions');
    await expectError(await h.request('POST', '/api/webhooks', { token, body: { url: receiver.url, eventTypes: ['*'] } }), 403, 'insufficient_permissions');
    await expectError(await h.request('GET', `/api/webhooks/${endpoint.id}/deliveries`, { token }), 403, 'insufficient_permissions');
    await expectError(await h.request('POST', `/api/webhooks/deliveries/${deliveryId}/redeliver`, { token }), 403, 'insufficient_permissions');
    await expectError(await h.request('POST', `/api/webhooks/${endpoint.id}/rotate-secret`, { token }), 403, 'insufficient_permissions');
  });

  it('needs a credential', async () => {
    await expectError(await h.request('GET', '/api/webhooks'), 401, 'unauthorized');
  });

  it('an API key needs webhooks:admin; the wildcard data scope is not enough', async () => {
    await h.raw.query(`update tenants set plan = 'enterprise' where slug = 'acme'`);
    const admin = acme.tenant_admin!.accessToken;
    const wildcard = await createKey(h, admin, { scopes: ['*'] });
    await expectError(await h.request('GET', '/api/webhooks', { token: wildcard.secret }), 403, 'insufficient_permissions');
    const scoped = await createKey(h, admin, { scopes: ['webhooks:admin'] });
    const res = await h.request('GET', '/api/webhooks', { token: scoped.secret });
    expect(res.status).toBe(200);
    expect((await json(res)).data.map((w: any) => w.id)).toContain(endpoint.id);
  });
});

describe('tenant isolation', () => {
  it("another tenant's admin cannot see, change, test, rotate, delete or redeliver this tenant's webhooks (404)", async () => {
    const token = other.accessToken;
    expect((await json(await h.request('GET', '/api/webhooks', { token }))).data).toEqual([]);
    for (const [method, path, body] of [
      ['GET', `/api/webhooks/${endpoint.id}`],
      ['PATCH', `/api/webhooks/${endpoint.id}`, { enabled: false }],
      ['DELETE', `/api/webhooks/${endpoint.id}`],
      ['POST', `/api/webhooks/${endpoint.id}/rotate-secret`],
      ['POST', `/api/webhooks/${endpoint.id}/test`],
      ['GET', `/api/webhooks/${endpoint.id}/deliveries`],
      ['POST', `/api/webhooks/deliveries/${deliveryId}/redeliver`],
    ] as const) {
      await expectError(await h.request(method, path, { token, body }), 404, 'not_found');
    }
    const [row] = await h.raw.query<{ enabled: boolean }>('select enabled from webhook_endpoints where id = $1', [endpoint.id]);
    expect(row!.enabled).toBe(true);
  });

  it("another tenant's changes never reach this tenant's endpoint", async () => {
    await h.request('POST', '/api/leads', { token: other.accessToken, body: { firstName: 'Other', lastName: 'Tenant' } });
    const rows = await h.raw.query<{ tenant_id: string }>('select distinct tenant_id from webhook_deliveries where endpoint_id = $1', [endpoint.id]);
    expect(rows).toEqual([{ tenant_id: acme.tenant_admin!.tenantId }]);
  });

  it('RLS: the app role sees only its tenant; the worker role may read and claim deliveries but nothing else', async () => {
    const asTenant = await h.db.transaction(other.tenantId, (q) => q.execute(sql`select count(*)::int as n from webhook_deliveries`));
    expect(rowsOf<{ n: number }>(asTenant)[0]!.n).toBe(0);
    for (const table of ['webhook_endpoints', 'webhook_events', 'users', 'leads']) {
      await expect(
        h.db.transaction(null, async (q) => {
          await q.execute(sql`select set_config('role', 'crm_webhook_worker', true)`);
          return q.execute(sql.raw(`select 1 from ${table} limit 1`));
        }),
      ).rejects.toThrow();
    }
    await expect(
      h.db.transaction(null, async (q) => {
        await q.execute(sql`select set_config('role', 'crm_webhook_worker', true)`);
        return q.execute(sql`delete from webhook_deliveries`);
      }),
    ).rejects.toThrow();
  });
});

describe('secrets', () => {
  it('are stored encrypted and never appear in lists, reads, audit rows or the delivery log', async () => {
    const [row] = await h.raw.query<{ secret_encrypted: string }>('select secret_encrypted from webhook_endpoints where id = $1', [endpoint.id]);
    expect(row!.secret_encrypted).toMatch(/^v1\./);
    expect(row!.secret_encrypted).not.toContain(endpoint.secret.slice(6, 20));
    const token = acme.tenant_admin!.accessToken;
    for (const path of ['/api/webhooks', `/api/webhooks/${endpoint.id}`, `/api/webhooks/${endpoint.id}/deliveries`]) {
      const text = await (await h.request('GET', path, { token })).text();
      expect(text).not.toContain('whsec_');
      expect(text).not.toContain(row!.secret_encrypted);
    }
    const audit = await h.raw.query('select changes from audit_logs where resource_type = $1', ['webhook']);
    expect(JSON.stringify(audit)).not.toContain('whsec_');
    expect(JSON.stringify(audit)).not.toContain('v1.');
  });
});

describe('SSRF defence outside development/test', () => {
  let prod: Harness;
  let prodAdmin: Session;
  beforeAll(async () => {
    prod = await createHarness({ NODE_ENV: 'production' });
    prodAdmin = await prod.login('acme', 'tenant_admin');
  });

  it.each([
    'http://hooks.example.com/x',
    'https://127.0.0.1/x',
    'https://2130706433/x',
    'https://[::1]/x',
    'https://[::ffff:10.0.0.1]/x',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.1.1/x',
    'https://localhost/x',
    'https://metadata.google.internal/x',
  ])('refuses %s at create and update', async (url) => {
    const token = prodAdmin.accessToken;
    const body = await expectError(await prod.request('POST', '/api/webhooks', { token, body: { url, eventTypes: ['*'] } }), 400, 'validation_error');
    expect(body.details[0].field).toBe('url');
    const ok = await prod.request('POST', '/api/webhooks', { token, body: { url: 'https://hooks.example.com/ok', eventTypes: ['*'] } });
    expect(ok.status).toBe(201);
    const { data } = await json(ok);
    await expectError(await prod.request('PATCH', `/api/webhooks/${data.id}`, { token, body: { url } }), 400, 'validation_error');
  });

  it('checks again at delivery time: a URL that is no longer allowed is not called', async () => {
    receiver.clear();
    const [before] = await h.raw.query<{ attempt: number }>('select attempt from webhook_deliveries where id = $1', [deliveryId]);
    expect(before!.attempt).toBe(0);
    await drain(h, { env: { NODE_ENV: 'production' }, retryDelaysMs: [60_000] });
    expect(receiver.received).toHaveLength(0);
    const [row] = await h.raw.query<{ status: string; last_error: string }>('select status, last_error from webhook_deliveries where id = $1', [deliveryId]);
    expect(row).toEqual({ status: 'failed', last_error: 'url must use https' });
  });
});
