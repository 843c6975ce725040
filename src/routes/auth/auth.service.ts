import { and, eq, isNull } from 'drizzle-orm';
import { type Role, refreshTokens } from '../../db/schema/index.ts';
import type { Scoped } from '../../db/scoped.ts';
import type { AppDeps } from '../../lib/context.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import { refreshToken, type TokenService } from '../../lib/tokens.ts';

export interface SessionUser {
  id: string;
  role: Role;
  tokenVersion: number;
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
