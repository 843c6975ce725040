import { createRoute, z } from '@hono/zod-openapi';
import { dataEnvelope, errorResponses, jsonBody, jsonContent, uuidParam } from '../../../lib/openapi.ts';
import { paginationSchema } from '../../../lib/pagination.ts';
import { authorize } from '../../../middleware/authorize.ts';
import { createCustomFieldSchema, customFieldSchema, listCustomFieldsQuery, updateCustomFieldSchema } from './custom-fields.schemas.ts';

const tags = ['Custom fields'];
const enterprise = 'Enterprise plan only (403 plan_feature_unavailable otherwise).';

export const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List custom field definitions',
  description: `Oldest first (the order a form shows them). ${enterprise}`,
  middleware: [authorize('custom_fields', 'read', 'customFields')] as const,
  request: { query: listCustomFieldsQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(customFieldSchema), pagination: paginationSchema }), 'A page of definitions'),
    ...errorResponses(400, 401, 403),
  },
});

export const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Define a custom field',
  description: `Values are then validated on every write of the resource and filterable with \`cf.<key>\`. ${enterprise}`,
  middleware: [authorize('custom_fields', 'write', 'customFields')] as const,
  request: { body: jsonBody(createCustomFieldSchema) },
  responses: { 201: jsonContent(dataEnvelope(customFieldSchema), 'The definition'), ...errorResponses(400, 401, 403, 409, 422) },
});

export const get = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'Get a custom field definition',
  middleware: [authorize('custom_fields', 'read', 'customFields')] as const,
  request: { params: uuidParam },
  responses: { 200: jsonContent(dataEnvelope(customFieldSchema), 'The definition'), ...errorResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/{id}',
  tags,
  summary: 'Change a custom field definition',
  description:
    'Label, required and options can always change (an option that stored values use cannot be removed); key and type only while no record has a value. Honours `If-Match`.',
  middleware: [authorize('custom_fields', 'write', 'customFields')] as const,
  request: { params: uuidParam, body: jsonBody(updateCustomFieldSchema) },
  responses: { 200: jsonContent(dataEnvelope(customFieldSchema), 'The definition'), ...errorResponses(400, 401, 403, 404, 409, 412) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/{id}',
  tags,
  summary: 'Delete a custom field definition',
  description: 'Removes the value from every record of the resource in the same transaction. Honours `If-Match`.',
  middleware: [authorize('custom_fields', 'delete', 'customFields')] as const,
  request: { params: uuidParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 412) },
});
