import { createRoute, z } from '@hono/zod-openapi';
import { dataEnvelope, errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { authorize } from '../../middleware/authorize.ts';

export const erase = createRoute({
  method: 'post',
  path: '/erase',
  tags: ['Privacy'],
  summary: 'Erase a person (right to be forgotten)',
  description:
    "In one transaction: deletes the tenant's leads and contacts with this email (case-insensitive) and their activities, redacts the email and the person's name in earlier audit diffs, and appends a chained `privacy.erased` audit event that records each redacted row's original and redacted content hash, so `GET /api/audit-logs/verify` stays valid. An email with no records answers zeros.",
  middleware: [authorize('tenant', 'admin')] as const,
  request: { body: jsonBody(z.strictObject({ email: z.email().max(320) }).openapi('PrivacyEraseRequest', { example: { email: 'grace@navy.example' } })) },
  responses: {
    200: jsonContent(
      dataEnvelope(
        z
          .object({
            email: z.string(),
            erased: z.object({
              leads: z.number().int(),
              contacts: z.number().int(),
              activities: z.number().int(),
              auditRowsRedacted: z.number().int(),
            }),
          })
          .openapi('PrivacyEraseResult', {
            example: { email: 'grace@navy.example', erased: { leads: 1, contacts: 1, activities: 4, auditRowsRedacted: 6 } },
          }),
      ),
      'What was erased',
    ),
    ...errorResponses(400, 401, 403),
  },
});
