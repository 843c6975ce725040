import { z } from '@hono/zod-openapi';

/** Field schemas shared by CRM resources, so one rule means the same everywhere. */
export const optionalText = (max = 200) => z.string().trim().max(max).nullable().optional();
export const personName = z.string().trim().min(1).max(100);
export const emailField = z
  .email('valid email is required')
  .max(254)
  .transform((e) => e.toLowerCase());
export const phoneField = z
  .string()
  .trim()
  .regex(/^[+0-9 ().-]{3,40}$/, 'phone may contain digits, spaces, + ( ) . -');
export const domainField = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, 'valid domain is required (example.com)');
export const idField = z.uuid();
export const timestampsSchema = { createdAt: z.string().datetime(), updatedAt: z.string().datetime() };
