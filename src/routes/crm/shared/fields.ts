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

/** Ids and times the API reference's examples share, so related examples point at each other. */
export const exampleIds = {
  user: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  lead: 'b3e1c2d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
  contact: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  account: '9b2f4c6e-3a1d-4e8b-9c7f-5d2a1b0e3f4c',
  deal: 'e7a1c3b5-9d2f-4a6c-8e1b-3f5d7a9c1e2b',
  pipeline: '4d3c2b1a-6f5e-4a9b-8c7d-1e2f3a4b5c6d',
  stages: ['5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e', '7c8d9e0f-1a2b-4c3d-ae4f-5a6b7c8d9e0f'],
  activity: 'c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f',
  customField: 'd5e6f7a8-b9c0-4d1e-8f2a-3b4c5d6e7f80',
} as const;
export const exampleTimestamps = { createdAt: '2026-02-12T10:15:00.000Z', updatedAt: '2026-02-20T16:40:00.000Z' } as const;
