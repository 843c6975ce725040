import { and, eq, isNull } from 'drizzle-orm';
import type { Context } from 'hono';
import { type Role, refreshTokens } from '../../db/schema/index.ts';
import type { Scoped } from '../../db/scoped.ts';
import { findTenant, type TenantSummary } from '../../db/tenants.ts';
import type { AppDeps, AppEnv } from '../../lib/context.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import { ApiError } from '../../lib/errors.ts';
import { refreshToken, type TokenService } from '../../lib/tokens.ts';

export interface SessionUser {
  id: string;
  role: Role;
  tokenVersion: number;
}

/**
 * The tenant a login or reset request is for: the request's hint (subdomain,
 * X-Tenant-ID, ?tenantId) or the body's `tenant`; both naming different
 * tenants is a mismatch. Null if none is named or it does not exist.
 */
export async function requestTenant(c: Context<AppEnv>, bodyTenant: string | undefined): Promise<TenantSummary | null> {
  const hint = c.get('tenantHint');
  if (!bodyTenant) return hint?.tenant ?? null;
  const named = await findTenant(c.get('deps').db, bodyTenant);
  if (hint && named?.id !== hint.tenant?.id) throw new ApiError('tenant_mismatch', 'The tenant in the body does not match the request');
  return named;
}

/** Creates a refresh token (new family unless one is given) and an access token. */
export async function issueSession(s: Scoped, deps: AppDeps, tokens: TokenService, user: SessionUser, familyId: string = crypto.randomUUID()) {
  const refresh = refreshToken.create(s.tenantId);
  await s.insert(refreshTokens, {
    userId: user.id,
    familyId,
    tokenHash: await sha256Hex(refresh),
    expiresAt: new Date(Date.now() + deps.config.REFRESH_TOKEN_TTL_SECONDS * 1000),
  });
  const accessToken = await tokens.signAccess({
    userId: user.id,
    tenantId: s.tenantId,
    role: user.role,
    tokenVersion: user.tokenVersion,
  });
  return { tokenType: 'Bearer' as const, accessToken, refreshToken: refresh, expiresIn: tokens.accessTtlSeconds };
}

export function revokeFamily(s: Scoped, familyId: string) {
  return s.update(refreshTokens, { revokedAt: new Date() }, and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

let dummyHash: Promise<string> | undefined;

/** Compares against a real hash of the configured cost when the user is unknown, so timing matches. */
export async function verifyPassword(deps: AppDeps, password: string, hash: string | null | undefined) {
  if (hash) return deps.hasher.verify(password, hash);
  dummyHash ??= deps.hasher.hash(randomToken(16), deps.config.BCRYPT_COST);
  await deps.hasher.verify(password, await dummyHash);
  return false;
}
