import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { passwordSchema } from '../../lib/passwords.ts';
import { passwordResetRateLimit } from '../../middleware/login-rate-limit.ts';
import { emailSchema } from '../users/users.schemas.ts';

const tags = ['Auth'];

export const forgotPassword = createRoute({
  method: 'post',
  path: '/password/forgot',
  tags,
  summary: 'Email a password reset link',
  description:
    'The tenant comes from the subdomain, X-Tenant-ID, ?tenantId or the `tenant` field, as for login. Always answers 202 with the same body, ' +
    'whether or not the email belongs to an active user of the tenant (no enumeration); if it does, a single-use link valid for ' +
    'PASSWORD_RESET_TTL_SECONDS is emailed. Limited like login (five requests per tenant and email in 15 minutes, plus per IP), on separate counters.',
  middleware: [passwordResetRateLimit] as const,
  request: {
    body: jsonBody(
      z
        .strictObject({
          email: emailSchema,
          tenant: z.string().max(64).optional().openapi({ description: 'Tenant slug or id', example: 'acme' }),
        })
        .openapi('ForgotPasswordRequest'),
    ),
  },
  responses: {
    202: jsonContent(
      z.object({ data: z.object({ message: z.string().openapi({ example: 'If this email belongs to an active account, a reset link has been sent.' }) }) }),
      'Accepted; an email is sent if the address belongs to an active user',
    ),
    ...errorResponses(400, 403, 429, 503),
  },
});

export const resetPassword = createRoute({
  method: 'post',
  path: '/password/reset',
  tags,
  summary: 'Set a new password with the emailed reset token',
  description:
    'Sets the password (same policy as registration), uses up the token, signs the user out everywhere (refresh tokens revoked, ' +
    'access tokens invalidated) and audits `user.password_reset`. An unknown, expired, already used or other-tenant token answers ' +
    '400 `invalid_reset_token`.',
  request: {
    body: jsonBody(
      z.strictObject({ token: z.string().min(1).max(512), password: passwordSchema }).openapi('ResetPasswordRequest', {
        example: { token: 'pwr_3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.qS4vCX8X4GVQc8qttTxpnZRWobcfwX-bhNWJY05m94o', password: 'Correct-Horse-42' },
      }),
    ),
  },
  responses: { 204: { description: 'Password changed; log in with it' }, ...errorResponses(400, 403) },
});
