import { createRoute, z } from '@hono/zod-openapi';
import { dataEnvelope, errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { passwordSchema } from '../../lib/passwords.ts';
import { authenticate, userOnly } from '../../middleware/authenticate.ts';
import { loginRateLimit } from '../../middleware/login-rate-limit.ts';
import { emailSchema, nameSchema, userSchema } from '../users/users.schemas.ts';
import { slugSchema, tenantSchema } from './auth.schemas.ts';

const tokensSchema = z
  .object({
    tokenType: z.literal('Bearer'),
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().openapi({ description: 'Access token lifetime in seconds' }),
  })
  .openapi('Tokens', {
    example: {
      tokenType: 'Bearer',
      accessToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImFjY2Vzcytqd3QifQ.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl',
      refreshToken: 'rt_3q2+7w-demo',
      expiresIn: 900,
    },
  });

const sessionSchema = dataEnvelope(z.object({ user: userSchema, tenant: tenantSchema, tokens: tokensSchema }));
const tags = ['Auth'];

export const register = createRoute({
  method: 'post',
  path: '/register',
  tags,
  summary: 'Create a tenant and its first user (tenant_admin)',
  request: {
    body: jsonBody(
      z
        .strictObject({
          tenantName: z.string().trim().min(1).max(100).openapi({ example: 'Acme Inc.' }),
          tenantSlug: slugSchema,
          name: nameSchema.openapi({ example: 'Ada Lovelace' }),
          email: emailSchema,
          password: passwordSchema.openapi({ example: 'correct-horse-battery' }),
        })
        .openapi('RegisterRequest'),
    ),
  },
  responses: { 201: jsonContent(sessionSchema, 'Tenant, admin user and tokens'), ...errorResponses(400, 409, 429) },
});

export const login = createRoute({
  method: 'post',
  path: '/login',
  tags,
  summary: 'Log in with email and password',
  description:
    'The tenant comes from the subdomain, X-Tenant-ID, ?tenantId or the `tenant` field. Five failed attempts per tenant and email in 15 minutes lock further attempts.',
  middleware: [loginRateLimit] as const,
  request: {
    body: jsonBody(
      z
        .strictObject({
          email: emailSchema,
          password: z.string().min(1).max(1024),
          tenant: z.string().max(64).optional().openapi({ description: 'Tenant slug or id', example: 'acme' }),
        })
        // The development demo login, so "Test Request" on /docs works against `npm run dev` as is.
        .openapi('LoginRequest', { example: { email: 'admin@acme.example', password: 'DemoPass!2026', tenant: 'acme' } }),
    ),
  },
  responses: { 200: jsonContent(sessionSchema, 'Tokens'), ...errorResponses(400, 401, 403, 429) },
});

export const refresh = createRoute({
  method: 'post',
  path: '/refresh',
  tags,
  summary: 'Exchange a refresh token for new tokens (single use; reuse revokes the family)',
  request: {
    body: jsonBody(
      z
        .strictObject({ refreshToken: z.string().min(1).max(512) })
        .openapi('RefreshRequest', { example: { refreshToken: 'rt_5mX2qL9vK3pW8nR4tY7uZ1aB6cD0eF2gH4iJ6kL8mN0' } }),
    ),
  },
  responses: { 200: jsonContent(sessionSchema, 'New tokens'), ...errorResponses(400, 401, 403) },
});

export const logout = createRoute({
  method: 'post',
  path: '/logout',
  tags,
  summary: 'Revoke the refresh token family of this session',
  security: [{ bearerAuth: [] }],
  middleware: [authenticate, userOnly('log out (revoke the key instead)')] as const,
  request: {
    body: jsonBody(
      z.strictObject({ refreshToken: z.string().min(1).max(512) }).openapi({ example: { refreshToken: 'rt_5mX2qL9vK3pW8nR4tY7uZ1aB6cD0eF2gH4iJ6kL8mN0' } }),
    ),
  },
  responses: { 204: { description: 'Logged out' }, ...errorResponses(400, 401) },
});

export const me = createRoute({
  method: 'get',
  path: '/me',
  tags,
  summary: 'The current user and tenant',
  security: [{ bearerAuth: [] }],
  middleware: [authenticate, userOnly('read a user profile')] as const,
  responses: {
    200: jsonContent(
      dataEnvelope(z.object({ user: userSchema, tenant: tenantSchema, permissions: z.record(z.string(), z.array(z.string())) })),
      'Current user',
    ),
    ...errorResponses(401, 403),
  },
});

export const acceptInvitation = createRoute({
  method: 'post',
  path: '/invitations/accept',
  tags,
  summary: 'Accept an invitation: set a password and activate the account',
  request: {
    body: jsonBody(
      z
        .strictObject({
          token: z.string().min(1).max(512),
          password: passwordSchema,
          name: nameSchema.optional(),
        })
        .openapi('AcceptInvitationRequest', {
          example: { token: 'inv_Qm9vdHN0cmFwIGludml0YXRpb24gdG9rZW4', password: 'Correct-Horse-42', name: 'Hank Scorpio' },
        }),
    ),
  },
  responses: { 200: jsonContent(sessionSchema, 'Activated; tokens'), ...errorResponses(400, 401, 403, 404) },
});
