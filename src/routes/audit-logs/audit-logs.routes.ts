import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { paginationQuery, paginationSchema } from '../../lib/pagination.ts';
import { authorize } from '../../middleware/authorize.ts';
import { exampleIds } from '../crm/shared/fields.ts';

const tags = ['Audit'];
export const actorTypes = ['user', 'api_key', 'platform', 'system'] as const;

const isoDateTime = z.iso.datetime({ offset: true }).or(z.iso.date());

export const auditLogSchema = z
  .object({
    id: z.uuid(),
    seq: z.number().int().openapi({ description: "Position in the tenant's hash chain (1, 2, 3, ...)" }),
    actorType: z.enum(actorTypes),
    actorId: z.uuid().nullable(),
    action: z.string().openapi({ example: 'lead.created' }),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    changes: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'Before/after diff; secrets redacted' }),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: z.string().datetime(),
    contentHash: z.string().openapi({ description: "sha256 of the row's canonical content when written" }),
    prevHash: z.string().openapi({ description: 'hash of the previous row in the chain' }),
    hash: z.string().openapi({ description: 'sha256(prevHash || contentHash)' }),
  })
  .openapi('AuditLog', {
    example: {
      id: '72386f71-e1bb-4a36-a303-625b458e31da',
      seq: 1842,
      actorType: 'user',
      actorId: exampleIds.user,
      action: 'lead.updated',
      resourceType: 'lead',
      resourceId: exampleIds.lead,
      changes: { before: { status: 'contacted', score: 60 }, after: { status: 'qualified', score: 85 } },
      requestId: '65a4283d-b8cd-4cbe-970d-4a68632b4f6a',
      ip: '203.0.113.24',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15',
      createdAt: '2026-02-20T16:40:00.000Z',
      contentHash: '2499122c6c583c508cc7fa18e680816ea331890979720bed444455957493cc2c',
      prevHash: 'b46febcab25848a61d1f77cb06af9b333d5d200e5f2337502837cd3f57766214',
      hash: '4ae0f8a83a0e499bc9ad2029f9f83ba004643eb18f7692583ba49f49d411ea39',
    },
  });

const filters = {
  actorId: z.uuid().optional(),
  actorType: z.enum(actorTypes).optional(),
  action: z.string().min(1).max(100).optional().openapi({ example: 'lead.updated' }),
  resourceType: z.string().min(1).max(100).optional(),
  resourceId: z.string().min(1).max(200).optional(),
  from: isoDateTime.optional().openapi({ description: 'Created at or after (a date means its start, UTC)' }),
  to: isoDateTime.optional().openapi({ description: 'Created at or before (a date means its whole day, UTC)' }),
};

export const listQuery = paginationQuery
  .extend({
    ...filters,
    format: z.enum(['json', 'csv']).optional().openapi({ description: '`csv` (or `Accept: text/csv`) answers as GET /api/audit-logs/export' }),
  })
  .strict();

export const exportQuery = z.object(filters).strict();

export const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List audit log rows (newest first)',
  description:
    'Filters combine with AND. `format=csv` (or `Accept: text/csv`) answers as `GET /api/audit-logs/export` (same filters, no paging; needs the `audit_logs` export permission).',
  middleware: [authorize('audit_logs', 'read')] as const,
  request: { query: listQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(auditLogSchema), pagination: paginationSchema }), 'A page of audit rows'),
    ...errorResponses(400, 401, 403),
  },
});

export const exportCsv = createRoute({
  method: 'get',
  path: '/export',
  tags,
  summary: 'Export the audit log as CSV',
  description:
    "Streams every row matching the filters, newest first, as RFC 4180 CSV (formula-like cells prefixed with `'`), read in batches so memory stays flat. The export itself is audited (`audit_log.exported`).",
  middleware: [authorize('audit_logs', 'export')] as const,
  request: { query: exportQuery },
  responses: {
    200: { description: 'CSV, one header line then one line per row', content: { 'text/csv': { schema: z.string() } } },
    ...errorResponses(400, 401, 403),
  },
});

export const verify = createRoute({
  method: 'get',
  path: '/verify',
  tags,
  summary: "Verify the tenant's audit hash chain",
  description:
    "Recomputes every row's content hash and link in one query. `reason`: `content_mismatch` (a row was edited), `hash_mismatch` (its hash was forged), `chain_broken` (a row is missing or out of order before this one), `chain_start_mismatch` (the oldest rows were removed without a prune record), `chain_head_mismatch` (the newest rows were removed).",
  middleware: [authorize('audit_logs', 'read')] as const,
  responses: {
    200: jsonContent(
      z
        .object({
          valid: z.boolean(),
          checked: z.number().int(),
          firstBrokenSeq: z.number().int().optional(),
          firstBrokenId: z.uuid().optional(),
          reason: z.enum(['content_mismatch', 'hash_mismatch', 'chain_start_mismatch', 'chain_broken', 'chain_head_mismatch']).optional(),
        })
        .openapi('AuditChainVerification', { example: { valid: true, checked: 1842 } }),
      'The verification result',
    ),
    ...errorResponses(401, 403),
  },
});
