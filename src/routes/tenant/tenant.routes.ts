import { createRoute, z } from '@hono/zod-openapi';
import { dataEnvelope, errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { authorize } from '../../middleware/authorize.ts';
import { deleteTenantSchema, tenantDeletedSchema } from './tenant.schemas.ts';

const tags = ['Tenant'];
const security = [{ bearerAuth: [] }];
// Tenant admins, or API keys holding tenant:admin (never `*`).
const admin = authorize('tenant', 'admin');

export const exportTenant = createRoute({
  method: 'get',
  path: '/export',
  tags,
  security,
  summary: "Download the tenant's data (zip of NDJSON files)",
  description:
    'A zip streamed as it is read: one NDJSON file per resource (tenant.ndjson with plan and subscription state, users without password hashes, api_keys without key hashes, accounts, contacts, leads, pipelines, stages, deals, activities, custom_field_definitions, security_events, webhook_endpoints without their secrets, audit_logs), then manifest.json (format and schema version, generatedAt, record count per file, tables left out and why). Each resource is read in id-ordered batches of 1,000, each batch its own transaction: a record changed during a long download appears as it was when its batch was read. Audited as `tenant.exported`.',
  middleware: [admin] as const,
  responses: {
    200: {
      description: 'The archive',
      content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } },
      headers: {
        'Content-Disposition': { schema: { type: 'string' as const }, description: 'attachment; filename="<slug>-export-<date>.zip"' },
        'Cache-Control': { schema: { type: 'string' as const }, description: 'no-store' },
      },
    },
    ...errorResponses(401, 403),
  },
});

export const deleteTenant = createRoute({
  method: 'delete',
  path: '/',
  tags,
  security,
  summary: 'Delete the tenant and everything it owns',
  description:
    "Irreversible. `confirm` must equal the tenant's slug (else 400, nothing changes). A live Stripe subscription is canceled first; if Stripe cannot be reached the answer is 503 and nothing is deleted. Then one transaction deletes the tenant row and, by cascade, every row it owns: users, sessions (refresh tokens), API keys, CRM records, the audit log. Existing access tokens and API keys stop working at once. The deletion is logged (no personal data) since the tenant's own audit log goes with it.",
  middleware: [admin] as const,
  request: { body: jsonBody(deleteTenantSchema) },
  responses: { 200: jsonContent(dataEnvelope(tenantDeletedSchema), 'Deleted; counts per table'), ...errorResponses(400, 401, 403, 503) },
});
