import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { scopeStatement } from '../../db/client.ts';
import { invitations, refreshTokens, tenants, users } from '../../db/schema/index.ts';
import { scopedQueries } from '../../db/scoped.ts';
import { tenantColumns } from '../../db/tenants.ts';
import { requireUser } from '../../lib/access.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { ApiError } from '../../lib/errors.ts';
import { permissionMatrix } from '../../lib/permissions.ts';
import { recordSecurityEvent } from '../../lib/security-events.ts';
import { refreshToken as refreshTokenFormat } from '../../lib/tokens.ts';
import { toUser } from '../users/users.schemas.ts';
import { invitationToken } from '../users/users.service.ts';
import type * as routes from './auth.routes.ts';
import { issueSession, requestTenant, revokeFamily, verifyPassword } from './auth.service.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

const invalidCredentials = () => new ApiError('invalid_credentials', 'Invalid email or password');

export const register: Handler<'register'> = async (c) => {
  const body = c.req.valid('json');
  const { db, hasher, config } = c.get('deps');
  const passwordHash = await hasher.hash(body.password, config.BCRYPT_COST);
  const result = await db.transaction(null, async (q) => {
    const [existing] = await q.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, body.tenantSlug));
    if (existing) throw new ApiError('conflict', 'This tenant slug is taken', [{ field: 'tenantSlug', message: 'already taken' }]);
    const [tenant] = await q.insert(tenants).values({ slug: body.tenantSlug, name: body.tenantName }).returning(tenantColumns);
    if (!tenant) throw new Error('tenant insert returned nothing');
    // The tenant exists now: scope the rest of the transaction to it.
    await q.execute(scopeStatement(tenant.id));
    const s = scopedQueries(q, tenant.id);
    const [user] = await s.insert(users, { email: body.email, name: body.name, passwordHash, role: 'tenant_admin', status: 'active' }).returning();
    if (!user) throw new Error('user insert returned nothing');
    await audit(c, s, {
      action: 'tenant.registered',
      resourceType: 'tenant',
      resourceId: tenant.id,
      actorId: user.id,
      changes: { slug: tenant.slug, email: user.email },
    });
    const tokens = await issueSession(s, c.get('deps'), c.get('tokens'), user);
    return { tenant, user: toUser(user), tokens };
  });
  c.header('Location', `/api/users/${result.user.id}`);
  return c.json({ data: result }, 201);
};

export const login: Handler<'login'> = async (c) => {
  const body = c.req.valid('json');
  const { db } = c.get('deps');
  const tenant = await requestTenant(c, body.tenant);
  const user = tenant
    ? (
        await db.batch(tenant.id, (q) => [scopedQueries(q, tenant.id).select(users, { where: sql`lower(${users.email}) = ${body.email}`, limit: 1 })] as const)
      )[0][0]
    : undefined;
  const matched = await verifyPassword(c.get('deps'), body.password, user?.passwordHash);
  if (!tenant || !user || !matched) throw invalidCredentials();
  if (user.status === 'invited') throw new ApiError('account_not_activated', 'This account has not been activated yet; accept the invitation first');
  if (user.status === 'inactive') throw new ApiError('account_disabled', 'This account has been disabled');

  const tokens = await db.transaction(tenant.id, async (q) => {
    const s = scopedQueries(q, tenant.id);
    await s.update(users, { lastLoginAt: new Date(), lastLoginIp: c.get('clientIp') }, eq(users.id, user.id));
    await audit(c, s, { action: 'user.login', resourceType: 'user', resourceId: user.id, actorId: user.id });
    return issueSession(s, c.get('deps'), c.get('tokens'), user);
  });
  return c.json({ data: { user: toUser({ ...user, lastLoginAt: new Date() }), tenant, tokens } }, 200);
};

export const refresh: Handler<'refresh'> = async (c) => {
  const { refreshToken } = c.req.valid('json');
  const { db } = c.get('deps');
  const tenantId = refreshTokenFormat.tenantOf(refreshToken);
  const invalid = () => new ApiError('unauthorized', 'Invalid or expired refresh token');
  if (!tenantId) throw invalid();
  const hint = c.get('tenantHint');
  if (hint && hint.tenant?.id !== tenantId) throw new ApiError('tenant_mismatch', 'The requested tenant does not match your credentials');
  const tokenHash = await sha256Hex(refreshToken);

  const outcome = await db.transaction(tenantId, async (q) => {
    const s = scopedQueries(q, tenantId);
    const [row] = await s.select(refreshTokens, { where: eq(refreshTokens.tokenHash, tokenHash), limit: 1 });
    if (!row) return { kind: 'invalid' as const };
    if (row.revokedAt || row.expiresAt <= new Date()) return { kind: 'invalid' as const };
    // Single use: only the request that flips used_at may rotate; any other presentation is reuse.
    const [claimed] = await s
      .update(refreshTokens, { usedAt: new Date() }, and(eq(refreshTokens.id, row.id), isNull(refreshTokens.usedAt)))
      .returning({ id: refreshTokens.id });
    if (!claimed) {
      await revokeFamily(s, row.familyId);
      return { kind: 'reuse' as const, userId: row.userId, familyId: row.familyId };
    }
    const [user] = await s.select(users, { where: eq(users.id, row.userId), limit: 1 });
    if (user?.status !== 'active') return { kind: 'invalid' as const };
    const [tenant] = await q.select(tenantColumns).from(tenants).where(eq(tenants.id, tenantId));
    const tokens = await issueSession(s, c.get('deps'), c.get('tokens'), user, row.familyId);
    return { kind: 'ok' as const, body: { user: toUser(user), tenant: tenant!, tokens } };
  });

  if (outcome.kind === 'reuse') {
    await recordSecurityEvent(db, [tenantId], {
      type: 'refresh_token_reuse',
      requestId: c.get('requestId'),
      userId: outcome.userId,
      credentialTenantId: tenantId,
      ip: c.get('clientIp'),
      userAgent: c.req.header('user-agent') ?? null,
      details: { familyId: outcome.familyId },
    });
  }
  if (outcome.kind !== 'ok') throw invalid();
  return c.json({ data: outcome.body }, 200);
};

export const logout: Handler<'logout'> = async (c) => {
  const { refreshToken } = c.req.valid('json');
  const principal = c.get('principal');
  requireUser(principal, 'log out (revoke the key instead)');
  const tokenHash = await sha256Hex(refreshToken);
  await c.get('tenantDb').transaction(async (s) => {
    const [row] = await s.select(refreshTokens, {
      where: and(eq(refreshTokens.tokenHash, tokenHash), eq(refreshTokens.userId, principal.userId)),
      limit: 1,
    });
    if (!row) return;
    await revokeFamily(s, row.familyId);
    await audit(c, s, { action: 'user.logout', resourceType: 'user', resourceId: principal.userId });
  });
  return c.body(null, 204);
};

export const me: Handler<'me'> = async (c) => {
  const principal = c.get('principal');
  requireUser(principal, 'read a user profile');
  const [rows] = await c.get('tenantDb').batch((s) => [s.select(users, { where: eq(users.id, principal.userId), limit: 1 })] as const);
  const user = rows[0];
  if (!user) throw new ApiError('unauthorized', 'Access token is no longer valid');
  const permissions = Object.fromEntries(Object.entries(permissionMatrix[principal.role]).map(([resource, allowed]) => [resource, [...(allowed ?? [])]]));
  return c.json({ data: { user: toUser(user), tenant: principal.tenant, permissions } }, 200);
};

export const acceptInvitation: Handler<'acceptInvitation'> = async (c) => {
  const body = c.req.valid('json');
  const { db, hasher, config } = c.get('deps');
  const tenantId = invitationToken.tenantOf(body.token);
  const invalid = () => new ApiError('not_found', 'Invitation not found or expired');
  if (!tenantId) throw invalid();
  const tokenHash = await sha256Hex(body.token);
  const passwordHash = await hasher.hash(body.password, config.BCRYPT_COST);
  const result = await db.transaction(tenantId, async (q) => {
    const s = scopedQueries(q, tenantId);
    // Claiming the invitation and activating the user happen together or not at all.
    const [invitation] = await s
      .update(
        invitations,
        { acceptedAt: new Date() },
        and(eq(invitations.tokenHash, tokenHash), isNull(invitations.acceptedAt), gt(invitations.expiresAt, new Date())),
      )
      .returning();
    if (!invitation) throw invalid();
    const [user] = await s
      .update(
        users,
        { passwordHash, status: 'active', updatedAt: new Date(), ...(body.name ? { name: body.name } : {}) },
        and(eq(users.id, invitation.userId), eq(users.status, 'invited')),
      )
      .returning();
    if (!user) throw invalid();
    await audit(c, s, { action: 'user.invitation_accepted', resourceType: 'user', resourceId: user.id, actorId: user.id });
    const [tenant] = await q.select(tenantColumns).from(tenants).where(eq(tenants.id, tenantId));
    const tokens = await issueSession(s, c.get('deps'), c.get('tokens'), user);
    return { user: toUser(user), tenant: tenant!, tokens };
  });
  return c.json({ data: result }, 200);
};
