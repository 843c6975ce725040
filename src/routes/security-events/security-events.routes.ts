import { createRoute, z } from '@hono/zod-openapi';
import { securityEventTypes } from '../../db/schema/index.ts';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { paginationQuery, paginationSchema } from '../../lib/pagination.ts';
import { authorize } from '../../middleware/authorize.ts';

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
  .openapi('SecurityEvent', {
    example: {
      id: '0e3c1f5a-8b2d-4c6e-9f1a-2b3c4d5e6f70',
      type: 'tenant_mismatch',
      requestId: '0f6c1d1e-8a7b-4c55-9a55-0d6a4b7f3c11',
      userId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      credentialTenantId: '3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      requestedTenant: 'mycompany',
      ip: '203.0.113.7',
      userAgent: 'curl/8.5.0',
      details: { source: 'header', method: 'GET', path: '/api/leads' },
      createdAt: '2026-02-20T16:41:03.000Z',
    },
  });

const typeFilter = { type: z.enum(securityEventTypes).optional() };

export const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['Security'],
  summary: 'List security events (tenant mismatches, refresh-token reuse, ...)',
  description:
    'Newest first. `format=csv` (or `Accept: text/csv`) answers as `GET /api/security-events/export`. Events older than SECURITY_EVENT_RETENTION_DAYS are pruned by the retention job.',
  middleware: [authorize('security_events', 'read')] as const,
  request: {
    query: paginationQuery
      .extend({
        ...typeFilter,
        format: z.enum(['json', 'csv']).optional().openapi({ description: '`csv` (or `Accept: text/csv`) answers as GET /api/security-events/export' }),
      })
      .strict(),
  },
  responses: {
    200: jsonContent(z.object({ data: z.array(securityEventSchema), pagination: paginationSchema }), 'A page of events'),
    ...errorResponses(400, 401, 403),
  },
});

export const exportCsv = createRoute({
  method: 'get',
  path: '/export',
  tags: ['Security'],
  summary: 'Export security events as CSV',
  description: 'Streams every matching event, newest first, as RFC 4180 CSV; the export is audited (`security_event.exported`).',
  middleware: [authorize('security_events', 'export')] as const,
  request: { query: z.object(typeFilter).strict() },
  responses: {
    200: { description: 'CSV, one header line then one line per event', content: { 'text/csv': { schema: z.string() } } },
    ...errorResponses(400, 401, 403),
  },
});
