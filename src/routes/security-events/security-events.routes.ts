import { createRoute, z } from '@hono/zod-openapi';
import { securityEventTypes } from '../../db/schema/index.ts';
import { authorize } from '../../middleware/authorize.ts';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { paginationQuery, paginationSchema } from '../../lib/pagination.ts';

export const securityEventSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(securityEventTypes),
    requestId: z.string().nullable(),
    userId: z.uuid().nullable(),
    credentialTenantId: z.uuid().nullable(),
    requestedTenant: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string().datetime(),
  })
  .openapi('SecurityEvent');

export const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['Security'],
  security: [{ bearerAuth: [] }],
  summary: 'List security events (tenant mismatches, refresh-token reuse, ...)',
  middleware: [authorize('security_events', 'read')] as const,
  request: { query: paginationQuery.extend({ type: z.enum(securityEventTypes).optional() }) },
  responses: {
    200: jsonContent(z.object({ data: z.array(securityEventSchema), pagination: paginationSchema }), 'A page of events'),
    ...errorResponses(400, 401, 403),
  },
});
