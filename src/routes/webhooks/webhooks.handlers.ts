import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, getTableColumns, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { type WebhookEndpoint, webhookDeliveries, webhookEndpoints, webhookEvents } from '../../db/schema/index.ts';
import type { Scoped } from '../../db/scoped.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { ApiError, notFound } from '../../lib/errors.ts';
import { emitEvent } from '../../lib/events.ts';
import { keysetPage, newestFirst } from '../../lib/pagination.ts';
import { webhookUrlProblem } from '../../lib/ssrf.ts';
import { encryptSecret, newWebhookSecret, secretKeyMaterial } from '../../lib/webhook-signing.ts';
import type * as routes from './webhooks.routes.ts';
import { listedEventTypes, toDelivery, toWebhook } from './webhooks.schemas.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

/** https only and no private/internal targets outside development/test (src/lib/ssrf.ts); checked again before every delivery. */
async function assertDeliverableUrl(c: Context<AppEnv>, url: string) {
  const { config, resolveHost } = c.get('deps');
  const problem = await webhookUrlProblem(url, { allowPrivate: config.NODE_ENV !== 'production', resolve: resolveHost });
  if (problem) throw new ApiError('validation_error', `url ${problem}`, [{ field: 'url', message: problem }]);
}

async function find(s: Scoped, id: string): Promise<WebhookEndpoint> {
  const [row] = await s.select(webhookEndpoints, { where: eq(webhookEndpoints.id, id), limit: 1 });
  if (!row) throw notFound('Webhook');
  return row;
}

/** A delivery with its event's type and payload (the delivery log's row). */
const deliveryRows = (s: Scoped, where: SQL | undefined) =>
  s.q
    .select({ ...getTableColumns(webhookDeliveries), eventType: webhookEvents.type, payload: webhookEvents.payload })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(s.where(webhookDeliveries, where))
    .$dynamic();

async function newSecret(c: Context<AppEnv>, tenantId: string) {
  const secret = newWebhookSecret();
  return { secret, secretEncrypted: await encryptSecret(secretKeyMaterial(c.get('deps').config), tenantId, secret) };
}

const withSecret = (c: Context<AppEnv>, row: WebhookEndpoint, secret: string) => {
  c.header('Cache-Control', 'no-store');
  return { data: { ...toWebhook(row), secret } };
};

const described = (e: WebhookEndpoint) => ({ url: e.url, description: e.description, eventTypes: e.eventTypes, enabled: e.enabled });

export const eventTypesList: Handler<'eventTypesList'> = (c) => c.json({ data: listedEventTypes }, 200);

export const list: Handler<'list'> = async (c) => {
  const page = keysetPage(newestFirst(webhookEndpoints), c.req.valid('query'));
  const [rows] = await c.get('tenantDb').batch((s) => [s.select(webhookEndpoints, { where: page.where, orderBy: page.orderBy, limit: page.limit })] as const);
  const { data, pagination } = page.page(rows);
  return c.json({ data: data.map(toWebhook), pagination }, 200);
};

export const create: Handler<'create'> = async (c) => {
  const body = c.req.valid('json');
  await assertDeliverableUrl(c, body.url);
  const tenantDb = c.get('tenantDb');
  const { secret, secretEncrypted } = await newSecret(c, tenantDb.tenantId);
  const row = await tenantDb.transaction(async (s) => {
    const enabled = body.enabled ?? true;
    const [created] = await s
      .insert(webhookEndpoints, {
        url: body.url,
        description: body.description ?? null,
        eventTypes: body.eventTypes,
        enabled,
        disabledAt: enabled ? null : new Date(),
        disabledReason: enabled ? null : 'disabled by an admin',
        secretEncrypted,
        createdBy: c.get('principal').userId,
      })
      .returning();
    if (!created) throw new Error('webhook insert returned nothing');
    await audit(c, s, { action: 'webhook.created', resourceType: 'webhook', resourceId: created.id, changes: { after: described(created) } });
    return created;
  });
  c.header('Location', `/api/webhooks/${row.id}`);
  return c.json(withSecret(c, row, secret), 201);
};

export const get: Handler<'get'> = async (c) => {
  const { id } = c.req.valid('param');
  const row = await c.get('tenantDb').transaction((s) => find(s, id));
  return c.json({ data: toWebhook(row) }, 200);
};

export const update: Handler<'update'> = async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  if (body.url !== undefined) await assertDeliverableUrl(c, body.url);
  const row = await c.get('tenantDb').transaction(async (s) => {
    const before = await find(s, id);
    const now = new Date();
    const toggled = body.enabled !== undefined && body.enabled !== before.enabled;
    const [after] = await s
      .update(
        webhookEndpoints,
        {
          ...(body.url !== undefined && { url: body.url }),
          ...(body.description !== undefined && { description: body.description }),
          ...(body.eventTypes !== undefined && { eventTypes: body.eventTypes }),
          // Re-enabling starts the failure count afresh; disabling records who did it.
          ...(toggled &&
            (body.enabled
              ? { enabled: true, disabledAt: null, disabledReason: null, consecutiveFailures: 0, failingSince: null }
              : { enabled: false, disabledAt: now, disabledReason: 'disabled by an admin' })),
          updatedAt: now,
        },
        eq(webhookEndpoints.id, id),
      )
      .returning();
    if (!after) throw notFound('Webhook');
    await audit(c, s, { action: 'webhook.updated', resourceType: 'webhook', resourceId: id, changes: { before: described(before), after: described(after) } });
    return after;
  });
  return c.json({ data: toWebhook(row) }, 200);
};

export const remove: Handler<'remove'> = async (c) => {
  const { id } = c.req.valid('param');
  await c.get('tenantDb').transaction(async (s) => {
    const before = await find(s, id);
    await s.delete(webhookEndpoints, eq(webhookEndpoints.id, id));
    await audit(c, s, { action: 'webhook.deleted', resourceType: 'webhook', resourceId: id, changes: { before: described(before) } });
  });
  return c.body(null, 204);
};

export const rotateSecret: Handler<'rotateSecret'> = async (c) => {
  const { id } = c.req.valid('param');
  const tenantDb = c.get('tenantDb');
  const { secret, secretEncrypted } = await newSecret(c, tenantDb.tenantId);
  const row = await tenantDb.transaction(async (s) => {
    const [after] = await s.update(webhookEndpoints, { secretEncrypted, updatedAt: new Date() }, eq(webhookEndpoints.id, id)).returning();
    if (!after) throw notFound('Webhook');
    await audit(c, s, { action: 'webhook.secret_rotated', resourceType: 'webhook', resourceId: id });
    return after;
  });
  return c.json(withSecret(c, row, secret), 200);
};

export const sendTest: Handler<'sendTest'> = async (c) => {
  const { id } = c.req.valid('param');
  const delivery = await c.get('tenantDb').transaction(async (s) => {
    const endpoint = await find(s, id);
    if (!endpoint.enabled) throw new ApiError('conflict', 'This endpoint is disabled; enable it first');
    const eventId = await emitEvent(s, 'webhook.test', { webhookId: id, message: 'Test event from the CRM API' }, id);
    const [row] = await deliveryRows(s, and(eq(webhookDeliveries.eventId, eventId ?? ''), eq(webhookDeliveries.endpointId, id))).limit(1);
    if (!row) throw new Error('test delivery was not recorded');
    await audit(c, s, { action: 'webhook.tested', resourceType: 'webhook', resourceId: id, changes: { eventId } });
    return row;
  });
  return c.json({ data: toDelivery(delivery) }, 202);
};

export const deliveries: Handler<'deliveries'> = async (c) => {
  const { id } = c.req.valid('param');
  const query = c.req.valid('query');
  const page = keysetPage(newestFirst(webhookDeliveries), query);
  const where = and(eq(webhookDeliveries.endpointId, id), query.status ? eq(webhookDeliveries.status, query.status) : undefined, page.where);
  const [endpoint, rows] = await c.get('tenantDb').batch(
    (s) =>
      [
        s.select(webhookEndpoints, { where: eq(webhookEndpoints.id, id), limit: 1 }),
        deliveryRows(s, where)
          .orderBy(...page.orderBy)
          .limit(page.limit),
      ] as const,
  );
  if (!endpoint[0]) throw notFound('Webhook');
  const { data, pagination } = page.page(rows);
  return c.json({ data: data.map(toDelivery), pagination }, 200);
};

export const redeliver: Handler<'redeliver'> = async (c) => {
  const { id } = c.req.valid('param');
  const row = await c.get('tenantDb').transaction(async (s) => {
    const [delivery] = await s.select(webhookDeliveries, { where: eq(webhookDeliveries.id, id), limit: 1, lock: 'update' });
    if (!delivery) throw notFound('Delivery');
    if (delivery.status === 'delivering') throw new ApiError('conflict', 'An attempt is under way; wait for its outcome');
    const endpoint = await find(s, delivery.endpointId);
    if (!endpoint.enabled) throw new ApiError('conflict', 'The endpoint is disabled; enable it first');
    // Same event id (receivers deduplicate on it), a fresh retry schedule.
    await s.update(webhookDeliveries, { status: 'pending', attempt: 0, nextAttemptAt: new Date(), updatedAt: new Date() }, eq(webhookDeliveries.id, id));
    await audit(c, s, {
      action: 'webhook.redelivered',
      resourceType: 'webhook_delivery',
      resourceId: id,
      changes: { eventId: delivery.eventId, before: { status: delivery.status } },
    });
    const [after] = await deliveryRows(s, eq(webhookDeliveries.id, id)).limit(1);
    if (!after) throw notFound('Delivery');
    return after;
  });
  return c.json({ data: toDelivery(row) }, 202);
};
