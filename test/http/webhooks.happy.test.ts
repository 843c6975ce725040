import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';
import { createEndpoint, drain, eventsOf, startReceiver, verifySignature } from './webhooks.helpers.ts';

let h: Harness;
let admin: Session;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  receiver = await startReceiver();
});

beforeEach(async () => {
  receiver.clear();
  // Each test starts with no endpoints (their deliveries go with them).
  await h.raw.query('delete from webhook_endpoints');
});

const createLead = (lastName = 'Hook') =>
  h.request('POST', '/api/leads', {
    token: admin.accessToken,
    body: { firstName: 'Web', lastName, email: `${lastName.toLowerCase()}${Date.now()}@example.com` },
  });

const deliveriesOf = async (endpointId: string) => {
  const res = await h.request('GET', `/api/webhooks/${endpointId}/deliveries`, { token: admin.accessToken });
  expect(res.status).toBe(200);
  return (await json(res)).data as any[];
};

describe('managing endpoints', () => {
  it('creates an endpoint, shows its secret once, lists, updates, rotates and deletes it (all audited)', async () => {
    const {
      id,
      secret,
      data,
      res: created,
    } = await createEndpoint(h, admin.accessToken, {
      url: receiver.url,
      eventTypes: ['lead.created', 'deal.won'],
      description: 'ERP',
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.headers.get('location')).toBe(`/api/webhooks/${id}`);
    expect(data).toMatchObject({ url: receiver.url, eventTypes: ['lead.created', 'deal.won'], enabled: true, description: 'ERP', consecutiveFailures: 0 });

    const list = await json(await h.request('GET', '/api/webhooks', { token: admin.accessToken }));
    expect(list.data.map((w: any) => w.id)).toEqual([id]);
    expect(JSON.stringify(list)).not.toContain('whsec_');
    const one = await json(await h.request('GET', `/api/webhooks/${id}`, { token: admin.accessToken }));
    expect(one.data.secret).toBeUndefined();

    const patched = await h.request('PATCH', `/api/webhooks/${id}`, { token: admin.accessToken, body: { eventTypes: ['lead.created'], enabled: false } });
    expect(patched.status).toBe(200);
    expect((await json(patched)).data).toMatchObject({ eventTypes: ['lead.created'], enabled: false, disabledReason: 'disabled by an admin' });

    const rotated = await h.request('POST', `/api/webhooks/${id}/rotate-secret`, { token: admin.accessToken });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const newSecret = (await json(rotated)).data.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);

    expect((await h.request('DELETE', `/api/webhooks/${id}`, { token: admin.accessToken })).status).toBe(204);
    expect((await h.request('GET', `/api/webhooks/${id}`, { token: admin.accessToken })).status).toBe(404);
    const audits = await h.raw.query<{ action: string }>(`select action from audit_logs where resource_id = $1 order by created_at, action`, [id]);
    expect(audits.map((a) => a.action).sort()).toEqual(['webhook.created', 'webhook.deleted', 'webhook.secret_rotated', 'webhook.updated']);
  });

  it('lists the event types, without the test event only POST /{id}/test sends', async () => {
    const res = await h.request('GET', '/api/webhooks/event-types', { token: admin.accessToken });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data).toEqual(
      expect.arrayContaining(['lead.created', 'lead.converted', 'deal.stage_changed', 'deal.won', 'deal.lost', 'activity.created', 'lead.imported']),
    );
    expect(data).not.toContain('webhook.test');
    expect(data).not.toContain('deal.imported');
  });

  it('pages the endpoint list newest first with the shared cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createEndpoint(h, admin.accessToken, { url: `${receiver.url}?n=${i}` })).id);
    const first = await json(await h.request('GET', '/api/webhooks?limit=2', { token: admin.accessToken }));
    expect(first.data).toHaveLength(2);
    expect(first.pagination).toMatchObject({ limit: 2, nextCursor: expect.any(String) });
    const cursor = encodeURIComponent(first.pagination.nextCursor);
    const second = await json(await h.request('GET', `/api/webhooks?limit=2&cursor=${cursor}`, { token: admin.accessToken }));
    expect(second.data).toHaveLength(1);
    expect(second.pagination.nextCursor).toBeNull();
    const all = [...first.data, ...second.data];
    expect(all.map((w: any) => w.id).sort()).toEqual([...ids].sort());
    const created = all.map((w: any) => Date.parse(w.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });
});

describe('delivery', () => {
  it('delivers a signed Standard Webhooks request that an independent verifier accepts', async () => {
    const { id, secret } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
    const lead = await json(await createLead('Signed'));
    expect(await drain(h)).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const [r] = receiver.received;
    expect(verifySignature(secret, r!)).toBe(true);
    const wrong = `${secret.slice(0, 10)}${secret[10] === 'A' ? 'B' : 'A'}${secret.slice(11)}`;
    expect(verifySignature(wrong, r!)).toBe(false);
    expect(verifySignature(secret, { ...r!, body: r!.body.replace('Signed', 'Forged') })).toBe(false);
    expect(r!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(r!.headers['content-type']).toBe('application/json');
    const [event] = eventsOf(receiver.received);
    expect(event).toMatchObject({ type: 'lead.created', data: { id: lead.data.id, lastName: 'Signed', email: lead.data.email } });
    expect(event!.data.tenantId).toBeUndefined();
    expect(Date.parse(event!.timestamp)).toBeGreaterThan(Date.now() - 60_000);

    const [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      lastStatusCode: 200,
      eventType: 'lead.created',
      eventId: r!.headers['webhook-id'],
      nextAttemptAt: null,
    });
    expect(delivery.lastLatencyMs).toBeGreaterThanOrEqual(0);
    expect(delivery.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, error: null })]);
    expect(delivery.payload).toEqual(JSON.parse(r!.body));
  });

  it('after rotate-secret, deliveries are signed with the new secret and not the old one', async () => {
    const { id, secret: old } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
    const rotated = (await json(await h.request('POST', `/api/webhooks/${id}/rotate-secret`, { token: admin.accessToken }))).data.secret;
    await createLead('Rotated');
    await drain(h);
    expect(receiver.received).toHaveLength(1);
    expect(verifySignature(rotated, receiver.received[0]!)).toBe(true);
    expect(verifySignature(old, receiver.received[0]!)).toBe(false);
  });

  it('the delivery log pages newest first and filters by status', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
    receiver.reply(500);
    for (const name of ['LogOne', 'LogTwo', 'LogThree']) await createLead(name);
    await drain(h, { retryDelaysMs: [3_600_000], maxRounds: 1 });
    const token = admin.accessToken;
    const failed = await json(await h.request('GET', `/api/webhooks/${id}/deliveries?status=failed`, { token }));
    expect(failed.data.map((d: any) => d.status)).toEqual(['failed']);
    const succeeded = await json(await h.request('GET', `/api/webhooks/${id}/deliveries?status=succeeded`, { token }));
    expect(succeeded.data.map((d: any) => d.status)).toEqual(['succeeded', 'succeeded']);

    const first = await json(await h.request('GET', `/api/webhooks/${id}/deliveries?limit=2`, { token }));
    expect(first.data).toHaveLength(2);
    const cursor = encodeURIComponent(first.pagination.nextCursor);
    const second = await json(await h.request('GET', `/api/webhooks/${id}/deliveries?limit=2&cursor=${cursor}`, { token }));
    expect(second.data).toHaveLength(1);
    expect(second.pagination.nextCursor).toBeNull();
    const all = [...first.data, ...second.data];
    expect(new Set(all.map((d: any) => d.id)).size).toBe(3);
    const created = all.map((d: any) => Date.parse(d.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('sends only subscribed events; deal stage and status changes raise their own events', async () => {
    await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['deal.stage_changed', 'deal.won', 'deal.lost'] });
    await createLead('Ignored');
    const pipeline = await h.request('POST', '/api/pipelines', {
      token: admin.accessToken,
      body: {
        name: `Hooks ${Date.now()}`,
        stages: [
          { name: 'New', probability: 10 },
          { name: 'Proposal', probability: 50 },
        ],
      },
    });
    expect(pipeline.status, await pipeline.clone().text()).toBe(201);
    const { id: pipelineId, stages } = (await json(pipeline)).data as { id: string; stages: { id: string }[] };
    const res = await h.request('POST', '/api/deals', { token: admin.accessToken, body: { name: 'Big deal', amount: 1000, currency: 'USD', pipelineId } });
    expect(res.status, await res.clone().text()).toBe(201);
    const created = await json(res);
    const nextStage = stages[1]!.id;
    await h.request('PATCH', `/api/deals/${created.data.id}`, { token: admin.accessToken, body: { stageId: nextStage } });
    await h.request('PATCH', `/api/deals/${created.data.id}`, { token: admin.accessToken, body: { status: 'won' } });
    await drain(h);
    expect(
      eventsOf(receiver.received)
        .map((e) => e.type)
        .sort(),
    ).toEqual(['deal.stage_changed', 'deal.won']);
    expect(eventsOf(receiver.received).find((e) => e.type === 'deal.won')!.data).toMatchObject({ id: created.data.id, status: 'won' });
  });

  it('retries after 500s and after timeouts with the same webhook-id, then succeeds', async () => {
    const { id, secret } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
    receiver.reply(500, 'hang', 503);
    await createLead('Retry');
    await drain(h);
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(receiver.received.every((r) => verifySignature(secret, r))).toBe(true);
    const [delivery] = await deliveriesOf(id);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts.map((a: any) => [a.statusCode, a.error])).toEqual([
      [500, 'HTTP 500'],
      [null, 'timed out after 400 ms'],
      [503, 'HTTP 503'],
      [200, null],
    ]);
    const endpoint = (await json(await h.request('GET', `/api/webhooks/${id}`, { token: admin.accessToken }))).data;
    expect(endpoint).toMatchObject({ consecutiveFailures: 0, failingSince: null });
  });

  it('waits the backoff between attempts and gives up (dead) after the last one', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
    receiver.always(500);
    await createLead('Backoff');
    let clock = Date.now();
    const run = () => drain(h, { now: () => clock, retryDelaysMs: [60_000, 120_000] });
    await run();
    expect(receiver.received).toHaveLength(1);
    let [delivery] = await deliveriesOf(id);
    expect(delivery.status).toBe('failed');
    expect(Date.parse(delivery.nextAttemptAt) - clock).toBe(60_000);
    await run();
    expect(receiver.received).toHaveLength(1);
    clock += 60_000;
    await run();
    expect(receiver.received).toHaveLength(2);
    clock += 120_000;
    await run();
    expect(receiver.received).toHaveLength(3);
    [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ status: 'dead', attempt: 3, nextAttemptAt: null, lastStatusCode: 500 });
    clock += 3_600_000;
    await run();
    expect(receiver.received).toHaveLength(3);
  });

  it('spreads retries with jitter around the schedule', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
    receiver.always(500);
    for (let i = 0; i < 5; i++) await createLead(`Jitter${i}`);
    const clock = Date.now();
    await drain(h, { now: () => clock, retryDelaysMs: [100_000], jitter: true, maxRounds: 1 });
    const delays = (await deliveriesOf(id)).map((d) => Date.parse(d.nextAttemptAt) - clock);
    expect(delays).toHaveLength(5);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(80_000);
      expect(d).toBeLessThanOrEqual(120_000);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('never delivers to a disabled endpoint: nothing is queued while disabled, queued work dies on disable', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'], enabled: false });
    await createLead('WhileDisabled');
    expect(await h.raw.query('select 1 from webhook_deliveries where endpoint_id = $1', [id])).toHaveLength(0);

    await h.request('PATCH', `/api/webhooks/${id}`, { token: admin.accessToken, body: { enabled: true } });
    await createLead('Queued');
    await h.request('PATCH', `/api/webhooks/${id}`, { token: admin.accessToken, body: { enabled: false } });
    await drain(h);
    expect(receiver.received).toHaveLength(0);
    const [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ status: 'dead', lastError: 'endpoint disabled' });
  });

  it('disables an endpoint after sustained failure and emails the tenant admins', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
    receiver.always(500);
    h.emails.length = 0;
    await createLead('Failing1');
    let clock = Date.now() + 1_000;
    await drain(h, { now: () => clock, disableAfterFailures: 3, disableAfterMs: 3_600_000, retryDelaysMs: [1_000] });
    await createLead('Failing2');
    clock += 2 * 3_600_000;
    await drain(h, { now: () => clock, disableAfterFailures: 3, disableAfterMs: 3_600_000, retryDelaysMs: [1_000] });
    clock += 2_000;
    await drain(h, { now: () => clock, disableAfterFailures: 3, disableAfterMs: 3_600_000, retryDelaysMs: [1_000] });
    const endpoint = (await json(await h.request('GET', `/api/webhooks/${id}`, { token: admin.accessToken }))).data;
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.disabledReason).toMatch(/every delivery failed since/);
    const sent = receiver.received.length;
    await createLead('AfterDisable');
    clock += 10_000;
    await drain(h, { now: () => clock });
    expect(receiver.received).toHaveLength(sent);
    expect(h.emails.some((e) => e.to === 'admin@acme.example' && e.subject.includes('webhook endpoint was disabled'))).toBe(true);
    const audit = await h.raw.query<{ actor_type: string }>(`select actor_type from audit_logs where action = 'webhook.disabled' and resource_id = $1`, [id]);
    expect(audit).toEqual([{ actor_type: 'system' }]);

    // Re-enabling starts afresh: no failure count carried over to trip the next disable at once.
    const reenabled = await h.request('PATCH', `/api/webhooks/${id}`, { token: admin.accessToken, body: { enabled: true } });
    expect((await json(reenabled)).data).toMatchObject({ enabled: true, consecutiveFailures: 0, failingSince: null, disabledAt: null, disabledReason: null });
  });

  it('redelivers a delivered event on request (same webhook-id, new attempt in the log)', async () => {
    const { id, secret } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
    await createLead('Again');
    await drain(h);
    const [first] = await deliveriesOf(id);
    const res = await h.request('POST', `/api/webhooks/deliveries/${first.id}/redeliver`, { token: admin.accessToken });
    expect(res.status).toBe(202);
    expect((await json(res)).data).toMatchObject({ id: first.id, status: 'pending', attempt: 0 });
    await drain(h);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id']);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    expect(verifySignature(secret, receiver.received[1]!)).toBe(true);
    const [after] = await deliveriesOf(id);
    expect(after).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(after.attempts).toHaveLength(2);
  });

  it('sends a webhook.test event to one endpoint, whatever it subscribes to', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['deal.won'] });
    const other = await createEndpoint(h, admin.accessToken, { url: `${receiver.url}?other`, eventTypes: ['*'] });
    const res = await h.request('POST', `/api/webhooks/${id}/test`, { token: admin.accessToken });
    expect(res.status).toBe(202);
    expect((await json(res)).data).toMatchObject({ eventType: 'webhook.test', status: 'pending', endpointId: id });
    await drain(h);
    expect(eventsOf(receiver.received)).toEqual([expect.objectContaining({ type: 'webhook.test', data: { webhookId: id, message: expect.any(String) } })]);
    expect(await deliveriesOf(other.id)).toEqual([]);
  });

  it('records lead conversion, activity and import events', async () => {
    await createEndpoint(h, admin.accessToken, {
      url: receiver.url,
      eventTypes: ['lead.converted', 'contact.created', 'activity.created', 'account.imported'],
    });
    const lead = await json(await createLead('Convert'));
    const converted = await h.request('POST', `/api/leads/${lead.data.id}/convert`, { token: admin.accessToken, body: {} });
    expect(converted.status).toBe(201);
    await h.request('POST', '/api/activities', { token: admin.accessToken, body: { type: 'call', subject: 'Intro call' } });
    const imported = await h.request('POST', '/api/accounts/import', { token: admin.accessToken, body: [{ name: 'Imp One' }, { name: 'Imp Two' }] });
    expect(imported.status, await imported.clone().text()).toBe(200);
    await drain(h);
    const events = eventsOf(receiver.received);
    expect(events.map((e) => e.type).sort()).toEqual(['account.imported', 'activity.created', 'contact.created', 'lead.converted']);
    expect(events.find((e) => e.type === 'lead.converted')!.data).toMatchObject({
      lead: { id: lead.data.id, status: 'converted' },
      contact: { lastName: 'Convert' },
    });
    expect(events.find((e) => e.type === 'account.imported')!.data).toMatchObject({ created: 2, updated: 0, failed: 0, rows: 2 });
  });

  it('an endpoint secret that no longer decrypts (encryption key changed) fails the attempt without calling the receiver', async () => {
    const { id } = await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['lead.created'] });
    await createLead('OtherKey');
    await drain(h, { env: { WEBHOOK_SECRET_KEY: 'another-key-that-is-long-enough-0123456789' }, retryDelaysMs: [60_000] });
    expect(receiver.received).toHaveLength(0);
    const [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ status: 'failed', attempt: 1, lastError: expect.stringContaining('rotate the secret') });
  });

  it('records an event only if the change commits', async () => {
    await createEndpoint(h, admin.accessToken, { url: receiver.url, eventTypes: ['*'] });
    const before = await h.raw.query<{ n: number }>('select count(*)::int as n from webhook_events');
    const lead = await json(await createLead('Rollback'));
    const afterCreate = await h.raw.query<{ n: number }>('select count(*)::int as n from webhook_events');
    expect(afterCreate[0]!.n).toBe(before[0]!.n + 1);
    // Conversion emits contact.created, then fails on the deal's unknown pipeline: the whole transaction rolls back.
    const failed = await h.request('POST', `/api/leads/${lead.data.id}/convert`, {
      token: admin.accessToken,
      body: { deal: { name: 'Nope', pipelineId: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(failed.status).toBe(400);
    expect(await h.raw.query<{ n: number }>('select count(*)::int as n from webhook_events')).toEqual(afterCreate);
    const invalid = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { firstName: 'x', email: 'not-an-email' } });
    expect(invalid.status).toBe(400);
    expect(await h.raw.query<{ n: number }>('select count(*)::int as n from webhook_events')).toEqual(afterCreate);
  });

  it('stores nothing when no endpoint listens', async () => {
    const before = await h.raw.query<{ n: number }>('select count(*)::int as n from webhook_events');
    await createLead('Nobody');
    expect(await h.raw.query<{ n: number }>('select count(*)::int as n from webhook_events')).toEqual(before);
  });
});
