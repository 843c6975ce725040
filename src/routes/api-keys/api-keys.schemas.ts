import { z } from '@hono/zod-openapi';
import type { ApiKey } from '../../db/schema/index.ts';
import { scopes } from '../../lib/scopes.ts';

const scopeSchema = z.enum(scopes as [string, ...string[]]).openapi({ example: 'leads:read' });

export const createApiKeySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).openapi({ example: 'Warehouse sync' }),
    scopes: z
      .array(scopeSchema)
      .min(1)
      .max(scopes.length)
      .refine((s) => new Set(s).size === s.length, 'scopes must not repeat')
      .openapi({
        description:
          '`<resource>:read|write|delete|export` for data resources, `<resource>:admin` for users, api_keys, settings, webhooks, billing, audit_logs, security_events and tenant; `*` grants every data scope but no admin scope.',
        example: ['leads:read', 'leads:write', 'contacts:read'],
      }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((v) => Date.parse(v) > Date.now(), 'expiresAt must be in the future')
      .optional()
      .openapi({ description: 'After this instant the key is refused (401). Omit for a key that does not expire.' }),
    rateLimitPerMinute: z.number().int().min(1).max(1_000_000).optional().openapi({
      description: "The key's own requests per minute (default RATE_LIMIT_API_KEY_PER_MINUTE); the tenant's plan limit still applies.",
    }),
  })
  .openapi('CreateApiKeyRequest');

const apiKeyExample = {
  id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  name: 'Zapier sync',
  scopes: ['leads:read', 'leads:write', 'contacts:read'],
  prefix: 'crm_sk_3f2a9',
  lastFour: 'x9Qz',
  status: 'active',
  rateLimitPerMinute: 120,
  expiresAt: '2027-01-01T00:00:00.000Z',
  lastUsedAt: '2026-02-20T16:40:00.000Z',
  revokedAt: null,
  createdBy: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  createdAt: '2026-02-12T10:15:00.000Z',
  updatedAt: '2026-02-12T10:15:00.000Z',
};

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(z.string()),
    /** Enough to recognise a key; the secret is never shown again. */
    prefix: z.string().openapi({ example: 'crm_sk_3f2a9' }),
    lastFour: z.string().openapi({ example: 'x9Qz' }),
    status: z.enum(['active', 'expired', 'revoked']),
    rateLimitPerMinute: z.number().int().nullable(),
    expiresAt: z.string().datetime().nullable(),
    lastUsedAt: z.string().datetime().nullable().openapi({ description: 'Updated at most once a minute.' }),
    revokedAt: z.string().datetime().nullable(),
    createdBy: z.uuid().nullable(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .openapi('ApiKey', { example: apiKeyExample });

export const apiKeyWithSecretSchema = apiKeySchema
  .extend({
    secret: z.string().openapi({
      description: 'The key itself, shown only in this response: store it now. Send it as `Authorization: Bearer <secret>`.',
      example: 'crm_sk_3f2a9c1e0b7d4e5f8a6b2c3d4e5f6a7b_9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8',
    }),
  })
  .openapi('ApiKeyWithSecret', {
    example: { ...apiKeyExample, secret: 'crm_sk_3f2a9c1e0b7d4e5f8a6b2c3d4e5f6a7b_9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8' },
  });

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The public shape of a key: never its hash, and the secret only where a route adds it once. */
export function toApiKey(k: ApiKey, now = Date.now()): z.infer<typeof apiKeySchema> {
  const status = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt.getTime() <= now ? 'expired' : 'active';
  return {
    id: k.id,
    name: k.name,
    scopes: k.scopes,
    prefix: k.prefix,
    lastFour: k.lastFour,
    status,
    rateLimitPerMinute: k.rateLimitPerMinute,
    expiresAt: iso(k.expiresAt),
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
    createdBy: k.createdBy,
    createdAt: k.createdAt.toISOString(),
    updatedAt: k.updatedAt.toISOString(),
  };
}
