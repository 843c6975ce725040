import { z } from '@hono/zod-openapi';

export const deleteTenantSchema = z
  .strictObject({ confirm: z.string().min(1).max(100).openapi({ description: "The tenant's slug, typed again", example: 'acme' }) })
  .openapi('DeleteTenantRequest');

export const tenantDeletedSchema = z
  .object({
    tenantId: z.uuid(),
    subscriptionCanceled: z.boolean().openapi({ description: 'A live Stripe subscription was canceled first' }),
    deleted: z.record(z.string(), z.number().int()).openapi({ description: 'Rows deleted per table (tenants: 1)', example: { tenants: 1, users: 5, leads: 400 } }),
  })
  .openapi('TenantDeleted');

