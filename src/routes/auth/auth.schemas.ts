import { z } from '@hono/zod-openapi';

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9-]{3,40}$/, 'slug must be 3-40 characters of a-z, 0-9 and -')
  .openapi({ example: 'acme' });

export const tenantSchema = z.object({ id: z.uuid(), slug: z.string(), name: z.string(), plan: z.string(), status: z.string() }).openapi('Tenant', {
  example: { id: '7d1f6c2a-3b4e-4f5a-8b6c-9d0e1f2a3b4c', slug: 'acme', name: 'Acme Inc.', plan: 'enterprise', status: 'active' },
});
