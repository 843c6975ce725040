import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at, id, tenantId, tenantIsolation } from './columns.ts';
import { users } from './users.ts';

/** Password reset requests: only a SHA-256 of the emailed token is kept; single use (used_at), expiring. */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: id(),
    tenantId: tenantId(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
    requestedIp: text('requested_ip'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('password_resets_token_hash_key').on(t.tokenHash),
    index('password_resets_user_idx').on(t.tenantId, t.userId),
    tenantIsolation('password_resets'),
  ],
).enableRLS();
