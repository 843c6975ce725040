import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type Session } from '../harness.ts';
import { expectError } from './api-keys.helpers.ts';
import { createEndpoint, startReceiver } from './webhooks.helpers.ts';

let h: Harness;
let admin: Session;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  receiver = await startReceiver();
});

const post = (body: unknown) => h.request('POST', '/api/webhooks', { token: admin.accessToken, body });

describe('validation', () => {
  it.each([
    [{ eventTypes: ['*'] }, 'url'],
    [{ url: 'not a url', eventTypes: ['*'] }, 'url'],
    [{ url: 'ftp://example.com/x', eventTypes: ['*'] }, 'url'],
    [{ url: 'http://example.com/x' }, 'eventTypes'],
    [{ url: 'http://example.com/x', eventTypes: [] }, 'eventTypes'],
    [{ url: 'http://example.com/x', eventTypes: ['lead.exploded'] }, 'eventTypes.0'],
    [{ url: 'http://example.com/x', eventTypes: ['webhook.test'] }, 'eventTypes.0'],
    [{ url: 'http://example.com/x', eventTypes: ['lead.created', 'lead.created'] }, 'eventTypes'],
    [{ url: 'http://example.com/x', eventTypes: ['*'], secret: 'whsec_mine' }, 'secret'],
    [{ url: `http://example.com/${'x'.repeat(2100)}`, eventTypes: ['*'] }, 'url'],
    [{ url: 'http://example.com/x', eventTypes: ['*'], enabled: 'yes' }, 'enabled'],
  ])('create %j → 400 naming %s', async (body, field) => {
    const res = await expectError(await post(body), 400, 'validation_error');
    expect(res.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('update needs at least one known field', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url });
    await expectError(await h.request('PATCH', `/api/webhooks/${id}`, { token: admin.accessToken, body: {} }), 400, 'validation_error');
    await expectError(await h.request('PATCH', `/api/webhooks/${id}`, { token: admin.accessToken, body: { secret: 'x' } }), 400, 'validation_error');
  });

  it('rejects malformed ids, cursors and status filters', async () => {
    const token = admin.accessToken;
    await expectError(await h.request('GET', '/api/webhooks/not-a-uuid', { token }), 400, 'validation_error');
    await expectError(await h.request('POST', '/api/webhooks/deliveries/not-a-uuid/redeliver', { token }), 400, 'validation_error');
    await expectError(await h.request('GET', '/api/webhooks?cursor=garbage', { token }), 400, 'validation_error');
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url });
    await expectError(await h.request('GET', `/api/webhooks/${id}/deliveries?status=lost`, { token }), 400, 'validation_error');
    await expectError(await h.request('GET', `/api/webhooks/${id}/deliveries?limit=101`, { token }), 400, 'validation_error');
  });
});

describe('not found and conflicts', () => {
  const missing = '00000000-0000-4000-8000-000000000000';

  it.each([
    ['GET', `/api/webhooks/${missing}`],
    ['PATCH', `/api/webhooks/${missing}`],
    ['DELETE', `/api/webhooks/${missing}`],
    ['POST', `/api/webhooks/${missing}/rotate-secret`],
    ['POST', `/api/webhooks/${missing}/test`],
    ['GET', `/api/webhooks/${missing}/deliveries`],
    ['POST', `/api/webhooks/deliveries/${missing}/redeliver`],
  ])('%s %s → 404', async (method, path) => {
    await expectError(await h.request(method, path, { token: admin.accessToken, body: method === 'PATCH' ? { enabled: true } : undefined }), 404, 'not_found');
  });

  it('a disabled endpoint takes no test event and no redelivery (409)', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url });
    await h.request('POST', '/api/leads', { token: admin.accessToken, body: { firstName: 'Err', lastName: 'Hook' } });
    const [delivery] = await h.raw.query<{ id: string }>('select id from webhook_deliveries where endpoint_id = $1', [id]);
    await h.request('PATCH', `/api/webhooks/${id}`, { token: admin.accessToken, body: { enabled: false } });
    await expectError(await h.request('POST', `/api/webhooks/${id}/test`, { token: admin.accessToken }), 409, 'conflict');
    await expectError(await h.request('POST', `/api/webhooks/deliveries/${delivery!.id}/redeliver`, { token: admin.accessToken }), 409, 'conflict');
  });

  it('a delivery being attempted cannot be redelivered (409)', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url });
    await h.request('POST', `/api/webhooks/${id}/test`, { token: admin.accessToken });
    const [delivery] = await h.raw.query<{ id: string }>('select id from webhook_deliveries where endpoint_id = $1', [id]);
    await h.raw.query(`update webhook_deliveries set status = 'delivering' where id = $1`, [delivery!.id]);
    await expectError(await h.request('POST', `/api/webhooks/deliveries/${delivery!.id}/redeliver`, { token: admin.accessToken }), 409, 'conflict');
  });

  it('deleting an endpoint removes its delivery log', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url });
    await h.request('POST', `/api/webhooks/${id}/test`, { token: admin.accessToken });
    expect(await h.raw.query('select 1 from webhook_deliveries where endpoint_id = $1', [id])).toHaveLength(1);
    expect((await h.request('DELETE', `/api/webhooks/${id}`, { token: admin.accessToken })).status).toBe(204);
    expect(await h.raw.query('select 1 from webhook_deliveries where endpoint_id = $1', [id])).toHaveLength(0);
  });
});
