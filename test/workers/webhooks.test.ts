import { exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';

/** The cron trigger drains the webhook outbox inside workerd, over the Neon driver. */
const { skip, bindings } = inject('workers');

async function call(method: string, path: string, init: { body?: unknown; token?: string } = {}) {
  const headers = new Headers({ 'CF-Connecting-IP': '203.0.113.10' });
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  return exports.default.fetch(
    new Request(`http://localhost${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }),
  );
}

describe.skipIf(skip)('webhooks on workerd', () => {
  it('scheduled() claims, signs, sends and records a delivery', async () => {
    const reg = await call('POST', '/api/auth/register', {
      body: { tenantName: 'Tenant hooks', tenantSlug: 'wk-hooks', name: 'Ada Admin', email: 'ada@wk-hooks.example', password: 'worker-tests-Pa55phrase' },
    });
    expect(reg.status).toBe(201);
    const token = ((await reg.json()) as { data: { tokens: { accessToken: string } } }).data.tokens.accessToken;
    // Any local HTTP server will do as the receiver: the Neon HTTP bridge answers a non-SQL body with an error status.
    const created = await call('POST', '/api/webhooks', { token, body: { url: bindings.NEON_HTTP_ENDPOINT, eventTypes: ['lead.created'] } });
    expect(created.status).toBe(201);
    const endpointId = ((await created.json()) as { data: { id: string } }).data.id;
    expect((await call('POST', '/api/leads', { token, body: { firstName: 'Cron', lastName: 'Job' } })).status).toBe(201);

    await exports.default.scheduled({ cron: '* * * * *' });

    type Delivery = { attempt: number; status: string; lastStatusCode: number | null; eventType: string };
    let delivery: Delivery | undefined;
    // The drain runs under waitUntil: poll the delivery log until the attempt is recorded.
    for (let i = 0; i < 100 && !delivery?.lastStatusCode; i++) {
      const log = await call('GET', `/api/webhooks/${endpointId}/deliveries`, { token });
      [delivery] = ((await log.json()) as { data: Delivery[] }).data;
      if (!delivery?.lastStatusCode) await new Promise((r) => setTimeout(r, 100));
    }
    expect(delivery).toMatchObject({ attempt: 1, eventType: 'lead.created' });
    expect(delivery!.lastStatusCode).toBeGreaterThanOrEqual(200);
    expect(['succeeded', 'failed']).toContain(delivery!.status);
  });
});
