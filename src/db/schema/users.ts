import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at, id, tenantId, tenantIsolation, timestamps } from './columns.ts';

export const roles = ['tenant_admin', 'manager', 'sales_user', 'support_user', 'read_only'] as const;
export type Role = (typeof roles)[number];
export const userStatuses = ['invited', 'active', 'inactive'] as const;
export type UserStatus = (typeof userStatuses)[number];

export const users = pgTable(
  'users',
  {
    id: id(),
    tenantId: tenantId(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash'),
    role: text('role', { enum: roles }).notNull(),
    status: text('status', { enum: userStatuses }).notNull().default('active'),
    /** Bumped on role/status change and logout-everywhere; access tokens carry it. */
    tokenVersion: integer('token_version').notNull().default(1),
    lastLoginAt: at('last_login_at'),
    lastLoginIp: text('last_login_ip'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('users_tenant_email_key').on(t.tenantId, sql`lower(${t.email})`),
    index('users_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    tenantIsolation('users'),
  ],
).enableRLS();

export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    tenantId: tenantId(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: at('expires_at').notNull(),
    acceptedAt: at('accepted_at'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('invitations_token_hash_key').on(t.tokenHash), tenantIsolation('invitations')],
).enableRLS();

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: id(),
    tenantId: tenantId(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
    revokedAt: at('revoked_at'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('refresh_tokens_token_hash_key').on(t.tokenHash),
    index('refresh_tokens_family_idx').on(t.tenantId, t.familyId),
    tenantIsolation('refresh_tokens'),
  ],
).enableRLS();

export type User = typeof users.$inferSelect;
