import { createRoute, z } from '@hono/zod-openapi';
import { securityEventTypes } from '../../db/schema/index.ts';
import { authorize } from '../../middleware/authorize.ts';
import { errorResponses } from '../../lib/openapi.ts';
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
  summary: 'List security events (tenant mismatches, refresh-token reuse, ...), or export them as CSV',
  description:
    'Newest first. `format=csv` (or `Accept: text/csv`) streams every matching event as RFC 4180 CSV and needs the `security_events` export permission; the export is audited (`security_event.exported`). Events older than SECURITY_EVENT_RETENTION_DAYS are pruned by the retention job.',
  middleware: [authorize('security_events', 'read')] as const,
  request: {
    query: paginationQuery.extend({
      type: z.enum(securityEventTypes).optional(),
      format: z.enum(['json', 'csv']).optional().openapi({ description: '`csv` (or `Accept: text/csv`) streams every matching event; no paging' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of events, or CSV',
      content: {
        'application/json': { schema: z.object({ data: z.array(securityEventSchema), pagination: paginationSchema }) },
        'text/csv': { schema: z.string() },
      },
    },
    ...errorResponses(400, 401, 403),
  },
});
