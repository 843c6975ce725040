import { z } from '@hono/zod-openapi';

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9-]{3,40}$/, 'slug must be 3-40 characters of a-z, 0-9 and -')
  .openapi({ example: 'acme' });

export const tenantSchema = z
  .object({ id: z.uuid(), slug: z.string(), name: z.string(), plan: z.string(), status: z.string() })
  .openapi('Tenant');

