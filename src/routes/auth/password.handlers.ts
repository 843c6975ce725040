import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { passwordResets, refreshTokens, users } from '../../db/schema/index.ts';
import { scopedQueries } from '../../db/scoped.ts';
import type { TenantSummary } from '../../db/tenants.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { deliver, emails } from '../../lib/emails.ts';
import { ApiError } from '../../lib/errors.ts';
import { tenantToken } from '../../lib/tokens.ts';
import { keepAlive } from '../../middleware/rate-limit.ts';
import { requestTenant } from './auth.service.ts';
import type * as routes from './password.routes.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

/** Reset tokens: `pwr_<tenantId>.<secret>`, so the reset finds its tenant; only a SHA-256 of the whole token is stored. */
const resetToken = tenantToken('pwr');

const ACCEPTED = { message: 'If this email belongs to an active account, a reset link has been sent.' };

export const forgotPassword: Handler<'forgotPassword'> = async (c) => {
  const body = c.req.valid('json');
  const tenant = await requestTenant(c, body.tenant);
  // Issuing and emailing run after the answer, so neither the status, the body nor the time says whether the account exists.
  if (tenant) keepAlive(c, issueReset(c, tenant, body.email));
  return c.json({ data: ACCEPTED }, 202);
};

async function issueReset(c: Context<AppEnv>, tenant: TenantSummary, email: string) {
  const { db, config, logger } = c.get('deps');
  const token = resetToken.create(tenant.id);
  const expiresAt = new Date(Date.now() + config.PASSWORD_RESET_TTL_SECONDS * 1000);
  try {
    const user = await db.transaction(tenant.id, async (q) => {
      const s = scopedQueries(q, tenant.id);
      const [found] = await s.select(users, { where: and(sql`lower(${users.email}) = ${email}`, eq(users.status, 'active')), limit: 1 });
      if (!found) return null;
      await s.insert(passwordResets, { userId: found.id, tokenHash: await sha256Hex(token), expiresAt, requestedIp: c.get('clientIp') });
      await audit(c, s, { action: 'user.password_reset_requested', resourceType: 'user', resourceId: found.id, actorId: found.id });
      return found;
    });
    if (!user) return;
    const resetUrl = `${config.APP_URL ?? new URL(c.req.url).origin}/password/reset?token=${encodeURIComponent(token)}`;
    await deliver(c.get('deps'), { to: user.email, ...emails.passwordReset({ tenantName: tenant.name, resetUrl, expiresAt: expiresAt.toISOString() }) });
  } catch (err) {
    logger.error('password reset not issued', { requestId: c.get('requestId'), error: String((err as Error).message ?? err) });
  }
}

export const resetPassword: Handler<'resetPassword'> = async (c) => {
  const body = c.req.valid('json');
  const { db, hasher, config } = c.get('deps');
  const invalid = () => new ApiError('invalid_reset_token', 'This reset link is invalid, expired or already used; request a new one');
  const tenantId = resetToken.tenantOf(body.token);
  if (!tenantId) throw invalid();
  // A token is only good in its own tenant: one presented on another tenant's host is as good as unknown.
  const hint = c.get('tenantHint');
  if (hint && hint.tenant?.id !== tenantId) throw invalid();
  const tokenHash = await sha256Hex(body.token);
  const passwordHash = await hasher.hash(body.password, config.BCRYPT_COST);
  await db.transaction(tenantId, async (q) => {
    const s = scopedQueries(q, tenantId);
    const now = new Date();
    // Claiming the token and changing the password happen together or not at all; only one request can claim it.
    const [claimed] = await s
      .update(passwordResets, { usedAt: now }, and(eq(passwordResets.tokenHash, tokenHash), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now)))
      .returning({ userId: passwordResets.userId });
    if (!claimed) throw invalid();
    const [user] = await s
      .update(
        users,
        { passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: now },
        and(eq(users.id, claimed.userId), eq(users.status, 'active')),
      )
      .returning({ id: users.id });
    if (!user) throw invalid();
    // Signed out everywhere: refresh tokens revoked; access tokens carry the old token version.
    await s.update(refreshTokens, { revokedAt: now }, and(eq(refreshTokens.userId, user.id), isNull(refreshTokens.revokedAt)));
    // Any other link from earlier requests is spent too.
    await s.update(passwordResets, { usedAt: now }, and(eq(passwordResets.userId, user.id), isNull(passwordResets.usedAt)));
    await audit(c, s, { action: 'user.password_reset', resourceType: 'user', resourceId: user.id, actorId: user.id });
  });
  return c.body(null, 204);
};
