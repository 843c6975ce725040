import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import { invitations, refreshTokens, users } from '../../db/schema/index.ts';
import { rankOf } from '../../lib/access.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { deliver, emails } from '../../lib/emails.ts';
import { ApiError, notFound } from '../../lib/errors.ts';
import { keysetPage, newestFirst } from '../../lib/pagination.ts';
import { roleRank } from '../../lib/permissions.ts';
import { reserve } from '../../lib/plan-limits.ts';
import type * as routes from './users.routes.ts';
import { toUser } from './users.schemas.ts';
import { invitationToken } from './users.service.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

const forbidden = (message: string) => new ApiError('insufficient_permissions', message);

export const list: Handler<'list'> = async (c) => {
  const query = c.req.valid('query');
  const page = keysetPage(newestFirst(users), query);
  const filters = and(page.where, query.role ? eq(users.role, query.role) : undefined, query.status ? eq(users.status, query.status) : undefined);
  const [rows] = await c.get('tenantDb').batch((s) => [s.select(users, { where: filters, orderBy: page.orderBy, limit: page.limit })] as const);
  const { data, pagination } = page.page(rows);
  return c.json({ data: data.map(toUser), pagination }, 200);
};

export const get: Handler<'get'> = async (c) => {
  const { id } = c.req.valid('param');
  const [rows] = await c.get('tenantDb').batch((s) => [s.select(users, { where: eq(users.id, id), limit: 1 })] as const);
  if (!rows[0]) throw notFound('User');
  return c.json({ data: toUser(rows[0]) }, 200);
};

export const update: Handler<'update'> = async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const principal = c.get('principal');
  const changesAccess = body.role !== undefined || body.status !== undefined;
  if (changesAccess && id === principal.userId) throw forbidden('You cannot change your own role or status');
  if (body.role && roleRank[body.role] > rankOf(principal)) throw forbidden('You cannot grant a role above your own');

  const updated = await c.get('tenantDb').transaction(async (s) => {
    const [before] = await s.select(users, { where: eq(users.id, id), limit: 1 });
    if (!before) throw notFound('User');
    if (roleRank[before.role] > rankOf(principal)) throw forbidden('You cannot change a user ranked above you');
    if (body.status && before.status === 'invited') {
      throw new ApiError('conflict', 'This user has not accepted the invitation yet');
    }
    const accessChanged = (body.role && body.role !== before.role) || (body.status && body.status !== before.status);
    // Reactivating a user takes a seat again.
    if (body.status === 'active' && before.status === 'inactive') await reserve(s, 'users');
    const [after] = await s
      .update(
        users,
        {
          ...body,
          updatedAt: new Date(),
          // A new token version invalidates every access token issued before the change.
          ...(accessChanged ? { tokenVersion: sql`${users.tokenVersion} + 1` } : {}),
        },
        eq(users.id, id),
      )
      .returning();
    if (!after) throw notFound('User');
    if (body.status === 'inactive') {
      await s.update(refreshTokens, { revokedAt: new Date() }, and(eq(refreshTokens.userId, id), sql`${refreshTokens.revokedAt} is null`));
    }
    await audit(c, s, {
      action: 'user.updated',
      resourceType: 'user',
      resourceId: id,
      changes: { before: { role: before.role, status: before.status, name: before.name }, after: body },
    });
    return after;
  });
  // Cached credentials of this tenant must not outlive a role or status change (src/lib/principal-cache.ts).
  c.get('principals').invalidateTenant(c.get('tenantDb').tenantId);
  return c.json({ data: toUser(updated) }, 200);
};

export const invite: Handler<'invite'> = async (c) => {
  const body = c.req.valid('json');
  const principal = c.get('principal');
  const { config } = c.get('deps');
  if (roleRank[body.role] > rankOf(principal)) throw forbidden('You cannot grant a role above your own');
  const tenantDb = c.get('tenantDb');
  const token = invitationToken.create(tenantDb.tenantId);
  const tokenHash = await sha256Hex(token);
  const expiresAt = new Date(Date.now() + config.INVITATION_TTL_SECONDS * 1000);

  const invitation = await tenantDb.transaction(async (s) => {
    const [existing] = await s.select(users, { where: sql`lower(${users.email}) = ${body.email}`, limit: 1 });
    if (existing && existing.status !== 'invited') {
      throw new ApiError('conflict', 'A user with this email already exists', [{ field: 'email', message: 'already a member' }]);
    }
    const name = body.name ?? body.email.split('@')[0] ?? body.email;
    const [user] = existing
      ? await s.update(users, { role: body.role, name, updatedAt: new Date() }, eq(users.id, existing.id)).returning()
      : await s.insert(users, { email: body.email, name, role: body.role, status: 'invited' }).returning();
    if (!user) throw new Error('invited user not written');
    // A re-invitation replaces any earlier link.
    await s.delete(invitations, eq(invitations.userId, user.id));
    // A live invitation holds a seat; this user's earlier link is gone, so the new one is counted once.
    await reserve(s, 'users');
    const [row] = await s.insert(invitations, { userId: user.id, tokenHash, expiresAt, invitedBy: principal.userId }).returning();
    if (!row) throw new Error('invitation not written');
    await audit(c, s, { action: 'user.invited', resourceType: 'user', resourceId: user.id, changes: { email: user.email, role: user.role } });
    return { id: row.id, userId: user.id, email: user.email, role: user.role, expiresAt: row.expiresAt.toISOString() };
  });

  const acceptUrl = `${config.APP_URL ?? new URL(c.req.url).origin}/invitations/accept?token=${encodeURIComponent(token)}`;
  // The invitation stands even if the email does not go out: the response carries acceptUrl to copy.
  await deliver(c.get('deps'), {
    to: invitation.email,
    ...emails.invitation({ inviterName: principal.name, tenantName: principal.tenant.name, role: invitation.role, acceptUrl, expiresAt: invitation.expiresAt }),
  });
  c.header('Location', `/api/users/${invitation.userId}`);
  return c.json({ data: { invitation, acceptUrl } }, 201);
};
