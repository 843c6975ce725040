import { createRoute, z } from '@hono/zod-openapi';
import { dataEnvelope, errorResponses, jsonBody, jsonContent, uuidParam } from '../../../lib/openapi.ts';
import { paginationQuery, paginationSchema } from '../../../lib/pagination.ts';
import { authorize } from '../../../middleware/authorize.ts';
import { createPipelineSchema, pipelineSchema, updatePipelineSchema } from './pipelines.schemas.ts';

const tags = ['Pipelines'];

export const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List pipelines with their stages',
  middleware: [authorize('pipelines', 'read')] as const,
  request: { query: paginationQuery.extend({ tenantId: z.string().max(64).optional() }).strict() },
  responses: {
    200: jsonContent(z.object({ data: z.array(pipelineSchema), pagination: paginationSchema }), 'A page of pipelines, newest first'),
    ...errorResponses(400, 401, 403),
  },
});

export const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create a pipeline with its ordered stages',
  description: '`isDefault: true` makes it the tenant’s default pipeline (the previous default stops being one).',
  middleware: [authorize('pipelines', 'write')] as const,
  request: { body: jsonBody(createPipelineSchema) },
  responses: { 201: jsonContent(dataEnvelope(pipelineSchema), 'The created pipeline'), ...errorResponses(400, 401, 403, 409, 422) },
});

export const get = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'Get a pipeline with its stages in order',
  middleware: [authorize('pipelines', 'read')] as const,
  request: { params: uuidParam },
  responses: { 200: jsonContent(dataEnvelope(pipelineSchema), 'The pipeline'), ...errorResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/{id}',
  tags,
  summary: 'Rename a pipeline, make it the default, or replace/reorder/add stages',
  description:
    'Send `If-Match` with the ETag you read to avoid overwriting a concurrent change (412 when stale). ' + 'Removing a stage that deals are in is 409.',
  middleware: [authorize('pipelines', 'write')] as const,
  request: { params: uuidParam, body: jsonBody(updatePipelineSchema) },
  responses: { 200: jsonContent(dataEnvelope(pipelineSchema), 'The updated pipeline'), ...errorResponses(400, 401, 403, 404, 409, 412) },
});

export const remove = createRoute({
  method: 'delete',
  path: '/{id}',
  tags,
  summary: 'Delete a pipeline and its stages',
  description: 'A pipeline that still has deals cannot be deleted (409).',
  middleware: [authorize('pipelines', 'delete')] as const,
  request: { params: uuidParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 409, 412) },
});
