import { createRoute, z } from '@hono/zod-openapi';
import { dataEnvelope, errorResponses, jsonBody, jsonContent, uuidParam } from '../../lib/openapi.ts';
import { paginationQuery, paginationSchema } from '../../lib/pagination.ts';
import { authorize } from '../../middleware/authorize.ts';
import { apiKeySchema, apiKeyWithSecretSchema, createApiKeySchema } from './api-keys.schemas.ts';

const tags = ['API keys'];
// Tenant admins (or keys holding api_keys:admin) of Enterprise tenants.
const admin = authorize('api_keys', 'admin', 'apiKeys');
const noStore = { 'Cache-Control': { schema: { type: 'string' as const }, description: 'no-store: the body carries a secret' } };

export const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create an API key',
  description:
    'Returns the secret once. Only its SHA-256 is stored, so it cannot be shown again (rotate to get a new one). Not replayable with Idempotency-Key: a replay would have to return the secret a second time.',
  middleware: [admin] as const,
  request: { body: jsonBody(createApiKeySchema) },
  responses: {
    201: { ...jsonContent(dataEnvelope(apiKeyWithSecretSchema), 'The key, with its secret (this once)'), headers: noStore },
    ...errorResponses(400, 401, 403, 429),
  },
});

export const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: "List the tenant's API keys (never their secrets)",
  middleware: [admin] as const,
  request: { query: paginationQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(apiKeySchema), pagination: paginationSchema }), 'A page of keys'),
    ...errorResponses(400, 401, 403, 429),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'Get an API key (never its secret)',
  middleware: [admin] as const,
  request: { params: uuidParam },
  responses: { 200: jsonContent(dataEnvelope(apiKeySchema), 'The key'), ...errorResponses(400, 401, 403, 404, 429) },
});

export const rotate = createRoute({
  method: 'post',
  path: '/{id}/rotate',
  tags,
  summary: 'Rotate an API key: a new secret, the old one stops working at once',
  description: 'Same key (id, name, scopes, expiry, counters); only the secret changes. Revoked or expired keys cannot be rotated (409).',
  middleware: [admin] as const,
  request: { params: uuidParam },
  responses: {
    200: { ...jsonContent(dataEnvelope(apiKeyWithSecretSchema), 'The key, with its new secret (this once)'), headers: noStore },
    ...errorResponses(400, 401, 403, 404, 409, 429),
  },
});

export const revoke = createRoute({
  method: 'post',
  path: '/{id}/revoke',
  tags,
  summary: 'Revoke an API key (effective on its next request)',
  description: 'Idempotent: revoking a revoked key answers the key as it is.',
  middleware: [admin] as const,
  request: { params: uuidParam },
  responses: { 200: jsonContent(dataEnvelope(apiKeySchema), 'The revoked key'), ...errorResponses(400, 401, 403, 404, 429) },
});
