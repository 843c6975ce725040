import { index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at, id, tenantId, tenantIsolation, timestamps } from './columns.ts';
import { users } from './users.ts';

/**
 * Public API keys (SPEC section 8). The secret itself is never stored: only
 * its SHA-256 (unique, so a lookup is one index probe however many keys
 * exist) plus the first and last characters to show in lists.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    /** `<resource>:<action>` or `*` (src/lib/scopes.ts). */
    scopes: text('scopes').array().notNull(),
    tokenHash: text('token_hash').notNull(),
    prefix: text('prefix').notNull(),
    lastFour: text('last_four').notNull(),
    /** The key's own per-minute limit; null = RATE_LIMIT_API_KEY_PER_MINUTE. */
    rateLimitPerMinute: integer('rate_limit_per_minute'),
    expiresAt: at('expires_at'),
    lastUsedAt: at('last_used_at'),
    revokedAt: at('revoked_at'),
    /** Keys belong to the tenant, not to their creator: they outlive the creator's access (revoke them explicitly). */
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('api_keys_token_hash_key').on(t.tokenHash),
    index('api_keys_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    tenantIsolation('api_keys'),
  ],
).enableRLS();

export type ApiKey = typeof apiKeys.$inferSelect;
