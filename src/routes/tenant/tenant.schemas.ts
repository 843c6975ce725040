import { z } from '@hono/zod-openapi';

export const deleteTenantSchema = z
  .strictObject({ confirm: z.string().min(1).max(100).openapi({ description: "The tenant's slug, typed again", example: 'acme' }) })
  .openapi('DeleteTenantRequest');

export const tenantDeletedSchema = z
  .object({
    tenantId: z.uuid(),
    subscriptionCanceled: z.boolean().openapi({ description: 'A live Stripe subscription was canceled first' }),
    deleted: z
      .record(z.string(), z.number().int())
      .openapi({ description: 'Rows deleted per table (tenants: 1)', example: { tenants: 1, users: 5, leads: 400 } }),
  })
  .openapi('TenantDeleted', {
    example: { tenantId: '3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', subscriptionCanceled: true, deleted: { tenants: 1, users: 5, leads: 400 } },
  });
