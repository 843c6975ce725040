import { z } from '@hono/zod-openapi';
import { roles, userStatuses } from '../../db/schema/index.ts';

export const emailSchema = z
  .email('valid email is required')
  .max(254)
  .transform((e) => e.toLowerCase())
  .openapi({ example: 'ada@example.com' });

export const nameSchema = z.string().trim().min(1).max(200);

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(roles),
    status: z.enum(userStatuses),
    lastLoginAt: z.string().datetime().nullable(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .openapi('User', {
    example: {
      id: '2f0a3b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
      email: 'admin@acme.example',
      name: 'Ada Admin',
      role: 'tenant_admin',
      status: 'active',
      lastLoginAt: '2026-01-01T09:30:00.000Z',
      createdAt: '2025-12-01T08:00:00.000Z',
      updatedAt: '2026-01-01T09:30:00.000Z',
    },
  });

type UserRow = {
  id: string;
  email: string;
  name: string;
  role: (typeof roles)[number];
  status: (typeof userStatuses)[number];
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

/** The public shape of a user: never the password hash or token version. */
export const toUser = (u: UserRow): z.infer<typeof userSchema> => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  status: u.status,
  lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
});
