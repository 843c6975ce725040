import { z } from '@hono/zod-openapi';
import { type DeliveryAttempt, deliveryStatuses, type WebhookDelivery, type WebhookEndpoint } from '../../db/schema/index.ts';
import { eventTypes } from '../../lib/events.ts';
import { paginationQuery } from '../../lib/pagination.ts';
import { exampleIds } from '../crm/shared/fields.ts';

/** What GET /api/webhooks/event-types lists: every event but the test event, which only POST /{id}/test sends. */
export const listedEventTypes = eventTypes.filter((t) => t !== 'webhook.test');
const subscribable = ['*', ...listedEventTypes] as const;

/** The endpoint and delivery the examples share, so the delivery log's example points at the endpoint's. */
const exampleWebhookId = '0d6d5258-d386-42aa-8a19-aaca80a10656';
const exampleSecret = 'whsec_FhzBqOMk8he5tAK1GktaDa93m6bGM6v7OwSq0/bfXwk=';

const exampleWebhook = {
  id: exampleWebhookId,
  url: 'https://hooks.example.com/crm',
  description: 'ERP sync of won deals',
  eventTypes: ['lead.created', 'deal.won'],
  enabled: true,
  consecutiveFailures: 0,
  failingSince: null,
  lastSuccessAt: '2026-02-20T16:40:06.192Z',
  disabledAt: null,
  disabledReason: null,
  createdBy: exampleIds.user,
  createdAt: '2026-02-01T09:00:00.000Z',
  updatedAt: '2026-02-01T09:00:00.000Z',
};

const eventTypesField = z
  .array(z.enum(subscribable))
  .min(1)
  .max(subscribable.length)
  .refine((t) => new Set(t).size === t.length, 'eventTypes must not repeat')
  .openapi({ description: 'Event types to receive (GET /api/webhooks/event-types); `*` receives every event.', example: ['lead.created', 'deal.won'] });

const urlField = z.string().trim().max(2048).openapi({
  description: 'Where events are POSTed. https only in production, and never a private, loopback, link-local or metadata address.',
  example: 'https://hooks.example.com/crm',
});

export const createWebhookSchema = z
  .strictObject({
    url: urlField,
    description: z.string().trim().max(500).nullable().optional(),
    eventTypes: eventTypesField,
    enabled: z.boolean().optional().openapi({ description: 'Default true.' }),
  })
  .openapi('CreateWebhookRequest', {
    example: { url: 'https://hooks.example.com/crm', description: 'ERP sync of won deals', eventTypes: ['lead.created', 'deal.won'] },
  });

export const updateWebhookSchema = z
  .strictObject({
    url: urlField.optional(),
    description: z.string().trim().max(500).nullable().optional(),
    eventTypes: eventTypesField.optional(),
    enabled: z.boolean().optional().openapi({ description: 'true re-enables an endpoint the worker disabled (and resets its failure count).' }),
  })
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .openapi('UpdateWebhookRequest', { example: { eventTypes: ['lead.created', 'deal.won', 'deal.lost'] } });

export const webhookSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    enabled: z.boolean(),
    consecutiveFailures: z.number().int(),
    failingSince: z.string().datetime().nullable(),
    lastSuccessAt: z.string().datetime().nullable(),
    disabledAt: z.string().datetime().nullable(),
    disabledReason: z.string().nullable(),
    createdBy: z.uuid().nullable(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .openapi('Webhook', { example: exampleWebhook });

export const webhookWithSecretSchema = webhookSchema
  .extend({
    secret: z.string().openapi({
      description: 'The signing secret, shown only in this response (create and rotate-secret): verify `webhook-signature` with it.',
      example: exampleSecret,
    }),
  })
  // Just created (or rotated): nothing delivered yet.
  .openapi('WebhookWithSecret', { example: { ...exampleWebhook, lastSuccessAt: null, secret: exampleSecret } });

const attemptSchema = z.object({
  at: z.string().datetime(),
  attempt: z.number().int(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int().nullable(),
  error: z.string().nullable(),
});

export const deliverySchema = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    eventId: z.string().openapi({ description: 'The `webhook-id` header of every attempt.', example: 'msg_4f1c2b9a7d3e4c5f8a6b1c2d3e4f5a6b' }),
    eventType: z.string(),
    payload: z.record(z.string(), z.unknown()).openapi({ description: 'The exact JSON body sent: `{ type, timestamp, data }`.' }),
    status: z.enum(deliveryStatuses).openapi({
      description:
        '`pending` (waiting), `delivering` (an attempt is under way), `failed` (last attempt failed, another is scheduled), `succeeded`, `dead` (no more attempts).',
    }),
    attempt: z.number().int().openapi({ description: 'Attempts made so far.' }),
    nextAttemptAt: z.string().datetime().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastLatencyMs: z.number().int().nullable(),
    lastError: z.string().nullable(),
    attempts: z.array(attemptSchema).openapi({ description: 'Every attempt, oldest first.' }),
    deliveredAt: z.string().datetime().nullable(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .openapi('WebhookDelivery', {
    example: {
      id: '7901a39a-d0f9-4ba6-97b3-e27ef504099d',
      endpointId: exampleWebhookId,
      eventId: 'msg_4f1c2b9a7d3e4c5f8a6b1c2d3e4f5a6b',
      eventType: 'deal.won',
      payload: {
        type: 'deal.won',
        timestamp: '2026-02-20T16:40:00.000Z',
        data: {
          id: exampleIds.deal,
          name: 'Globex renewal',
          amount: 1_400_000,
          currency: 'EUR',
          pipelineId: exampleIds.pipeline,
          stageId: exampleIds.stages[2],
          expectedCloseDate: '2026-09-30',
          contactId: exampleIds.contact,
          accountId: exampleIds.account,
          ownerId: exampleIds.user,
          status: 'won',
          lostReason: null,
          closedAt: '2026-02-20T16:40:00.000Z',
          customFields: {},
          createdAt: '2026-02-12T10:15:00.000Z',
          updatedAt: '2026-02-20T16:40:00.000Z',
        },
      },
      status: 'succeeded',
      attempt: 2,
      nextAttemptAt: null,
      lastStatusCode: 200,
      lastLatencyMs: 87,
      lastError: null,
      attempts: [
        { at: '2026-02-20T16:40:00.934Z', attempt: 1, statusCode: 503, latencyMs: 1204, error: 'HTTP 503' },
        { at: '2026-02-20T16:40:06.192Z', attempt: 2, statusCode: 200, latencyMs: 87, error: null },
      ],
      deliveredAt: '2026-02-20T16:40:06.192Z',
      createdAt: '2026-02-20T16:40:00.000Z',
      updatedAt: '2026-02-20T16:40:06.192Z',
    },
  });

export const deliveriesQuery = paginationQuery.extend({ status: z.enum(deliveryStatuses).optional() });

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toWebhook(e: WebhookEndpoint): z.infer<typeof webhookSchema> {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    enabled: e.enabled,
    consecutiveFailures: e.consecutiveFailures,
    failingSince: iso(e.failingSince),
    lastSuccessAt: iso(e.lastSuccessAt),
    disabledAt: iso(e.disabledAt),
    disabledReason: e.disabledReason,
    createdBy: e.createdBy,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

const DONE = new Set(['succeeded', 'dead']);

export function toDelivery(d: WebhookDelivery & { eventType: string; payload: Record<string, unknown> }): z.infer<typeof deliverySchema> {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    payload: d.payload,
    status: d.status,
    attempt: d.attempt,
    nextAttemptAt: DONE.has(d.status) ? null : d.nextAttemptAt.toISOString(),
    lastStatusCode: d.lastStatusCode,
    lastLatencyMs: d.lastLatencyMs,
    lastError: d.lastError,
    attempts: d.attempts as DeliveryAttempt[],
    deliveredAt: iso(d.deliveredAt),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}
