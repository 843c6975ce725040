import { createRoute, z } from '@hono/zod-openapi';
import { dataEnvelope, errorResponses, jsonBody, jsonContent, uuidParam } from '../../lib/openapi.ts';
import { paginationQuery, paginationSchema } from '../../lib/pagination.ts';
import { authorize } from '../../middleware/authorize.ts';
import {
  createWebhookSchema,
  deliveriesQuery,
  deliverySchema,
  listedEventTypes,
  updateWebhookSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from './webhooks.schemas.ts';

const tags = ['Webhooks'];
// Tenant admins, or API keys holding webhooks:admin (createRouter documents each route's security from this guard).
const admin = authorize('webhooks', 'admin');
const noStore = { 'Cache-Control': { schema: { type: 'string' as const }, description: 'no-store: the body carries a secret' } };

export const eventTypesList = createRoute({
  method: 'get',
  path: '/event-types',
  tags,
  summary: 'List the event types an endpoint can subscribe to',
  middleware: [admin] as const,
  responses: { 200: jsonContent(dataEnvelope(z.array(z.string()).openapi({ example: listedEventTypes })), 'Event types'), ...errorResponses(401, 403, 429) },
});

export const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: "List the tenant's webhook endpoints (never their secrets)",
  middleware: [admin] as const,
  request: { query: paginationQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(webhookSchema), pagination: paginationSchema }), 'A page of endpoints'),
    ...errorResponses(400, 401, 403, 429),
  },
});

export const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Subscribe a URL to events',
  description:
    'Returns the signing secret once (stored encrypted; get a new one with rotate-secret). Events are POSTed signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).',
  middleware: [admin] as const,
  request: { body: jsonBody(createWebhookSchema) },
  responses: {
    201: { ...jsonContent(dataEnvelope(webhookWithSecretSchema), 'The endpoint, with its secret (this once)'), headers: noStore },
    ...errorResponses(400, 401, 403, 429),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'Get a webhook endpoint',
  middleware: [admin] as const,
  request: { params: uuidParam },
  responses: { 200: jsonContent(dataEnvelope(webhookSchema), 'The endpoint'), ...errorResponses(400, 401, 403, 404, 429) },
});

export const update = createRoute({
  method: 'patch',
  path: '/{id}',
  tags,
  summary: 'Change a webhook endpoint (URL, description, event types, enabled)',
  middleware: [admin] as const,
  request: { params: uuidParam, body: jsonBody(updateWebhookSchema) },
  responses: { 200: jsonContent(dataEnvelope(webhookSchema), 'The endpoint'), ...errorResponses(400, 401, 403, 404, 429) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/{id}',
  tags,
  summary: 'Delete a webhook endpoint and its delivery log',
  middleware: [admin] as const,
  request: { params: uuidParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 429) },
});

export const rotateSecret = createRoute({
  method: 'post',
  path: '/{id}/rotate-secret',
  tags,
  summary: 'Replace the signing secret (the old one signs nothing from now on)',
  middleware: [admin] as const,
  request: { params: uuidParam },
  responses: {
    200: { ...jsonContent(dataEnvelope(webhookWithSecretSchema), 'The endpoint, with its new secret (this once)'), headers: noStore },
    ...errorResponses(400, 401, 403, 404, 429),
  },
});

export const sendTest = createRoute({
  method: 'post',
  path: '/{id}/test',
  tags,
  summary: 'Queue a `webhook.test` event to this endpoint',
  middleware: [admin] as const,
  request: { params: uuidParam },
  responses: {
    202: jsonContent(dataEnvelope(deliverySchema), 'The queued delivery (follow it in the delivery log)'),
    ...errorResponses(400, 401, 403, 404, 409, 429),
  },
});

export const deliveries = createRoute({
  method: 'get',
  path: '/{id}/deliveries',
  tags,
  summary: "An endpoint's delivery log, newest first",
  middleware: [admin] as const,
  request: { params: uuidParam, query: deliveriesQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(deliverySchema), pagination: paginationSchema }), 'A page of deliveries'),
    ...errorResponses(400, 401, 403, 404, 429),
  },
});

export const redeliver = createRoute({
  method: 'post',
  path: '/deliveries/{id}/redeliver',
  tags,
  summary: 'Deliver an event again (same webhook-id, a fresh retry schedule)',
  description: 'For a delivery that succeeded, died or is waiting to retry; 409 while an attempt is under way or when the endpoint is disabled.',
  middleware: [admin] as const,
  request: { params: uuidParam },
  responses: { 202: jsonContent(dataEnvelope(deliverySchema), 'The delivery, due now'), ...errorResponses(400, 401, 403, 404, 409, 429) },
});
