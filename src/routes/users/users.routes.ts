import { createRoute, z } from '@hono/zod-openapi';
import { roles, userStatuses } from '../../db/schema/index.ts';
import { dataEnvelope, errorResponses, jsonBody, jsonContent, uuidParam } from '../../lib/openapi.ts';
import { paginationQuery, paginationSchema } from '../../lib/pagination.ts';
import { authorize } from '../../middleware/authorize.ts';
import { emailSchema, nameSchema, userSchema } from './users.schemas.ts';

const tags = ['Users'];

export const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List users of the tenant',
  middleware: [authorize('users', 'read')] as const,
  request: {
    query: paginationQuery.extend({
      role: z.enum(roles).optional(),
      status: z.enum(userStatuses).optional(),
    }),
  },
  responses: {
    200: jsonContent(z.object({ data: z.array(userSchema), pagination: paginationSchema }), 'A page of users'),
    ...errorResponses(400, 401, 403),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'Get a user',
  middleware: [authorize('users', 'read')] as const,
  request: { params: uuidParam },
  responses: { 200: jsonContent(dataEnvelope(userSchema), 'The user'), ...errorResponses(400, 401, 403, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/{id}',
  tags,
  summary: "Change a user's role, status or name",
  description: 'Nobody changes their own role or status, or grants a role above their own. Deactivation ends access at once.',
  middleware: [authorize('users', 'admin')] as const,
  request: {
    params: uuidParam,
    body: jsonBody(
      z
        .strictObject({
          role: z.enum(roles).optional(),
          status: z.enum(['active', 'inactive']).optional(),
          name: nameSchema.optional(),
        })
        .openapi('UpdateUserRequest'),
    ),
  },
  responses: { 200: jsonContent(dataEnvelope(userSchema), 'The updated user'), ...errorResponses(400, 401, 402, 403, 404) },
});

const invitationSchema = z
  .object({ id: z.uuid(), userId: z.uuid(), email: z.string(), role: z.enum(roles), expiresAt: z.string().datetime() })
  .openapi('Invitation', {
    example: {
      id: 'f1e2d3c4-b5a6-4978-8a1b-2c3d4e5f6a7b',
      userId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      email: 'hank@acme.example',
      role: 'sales_user',
      expiresAt: '2026-02-19T10:15:00.000Z',
    },
  });

export const invite = createRoute({
  method: 'post',
  path: '/invitations',
  tags,
  summary: 'Invite a user by email and role',
  description: 'Sends the invitation email and returns `acceptUrl` (single use, expiring) for "copy invite link".',
  middleware: [authorize('users', 'admin')] as const,
  request: {
    body: jsonBody(z.strictObject({ email: emailSchema, role: z.enum(roles), name: nameSchema.optional() }).openapi('InviteUserRequest')),
  },
  responses: {
    201: jsonContent(
      dataEnvelope(
        z.object({
          invitation: invitationSchema,
          acceptUrl: z.string().url().openapi({ example: 'https://app.example.com/accept-invitation?token=inv_Qm9vdHN0cmFwIGludml0YXRpb24gdG9rZW4' }),
        }),
      ),
      'Invitation created',
    ),
    ...errorResponses(400, 401, 402, 403, 409),
  },
});
