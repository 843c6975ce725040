import { errors, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../config.ts';
import type { Role } from '../db/schema/index.ts';
import { randomToken } from './crypto.ts';
import { ApiError } from './errors.ts';

export interface AccessClaims {
  userId: string;
  tenantId: string;
  role: Role;
  tokenVersion: number;
}

const ACCESS_TYP = 'at+jwt';
const CLOCK_TOLERANCE_SECONDS = 5;
const VERIFIED_MAX = 10_000;

/** JWT access tokens: HS256 only, typ/iss/aud/exp checked; header keys (jku, x5u, jwk, kid) are ignored. */
export class TokenService {
  private key: Promise<CryptoKey> | null = null;
  /**
   * Tokens whose signature and claims this process already verified, until
   * their expiry (at most a minute): the same bytes need no second HMAC.
   * Bounded; an expired entry falls through to the full check, which refuses it.
   */
  private readonly verified = new Map<string, { claims: AccessClaims; until: number }>();
  constructor(private readonly config: Config) {}

  /** Imported once: given raw bytes, jose imports the key on every sign and verify (a sixth of a list request's CPU in the benchmark profile). */
  private cryptoKey(): Promise<CryptoKey> {
    this.key ??= crypto.subtle.importKey('raw', new TextEncoder().encode(this.config.JWT_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    return this.key;
  }

  get accessTtlSeconds() {
    return this.config.ACCESS_TOKEN_TTL_SECONDS;
  }

  async signAccess(claims: AccessClaims): Promise<string> {
    const key = await this.cryptoKey();
    return new SignJWT({ tid: claims.tenantId, role: claims.role, ver: claims.tokenVersion })
      .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TYP })
      .setSubject(claims.userId)
      .setIssuer(this.config.JWT_ISSUER)
      .setAudience(this.config.JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.config.ACCESS_TOKEN_TTL_SECONDS}s`)
      .setJti(randomToken(12))
      .sign(key);
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const hit = this.verified.get(token);
    if (hit && Date.now() < hit.until) return hit.claims;
    this.verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, await this.cryptoKey(), {
        algorithms: ['HS256'],
        typ: ACCESS_TYP,
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const { sub, tid, role, ver } = payload;
      if (typeof sub !== 'string' || typeof tid !== 'string' || typeof role !== 'string' || typeof ver !== 'number') {
        throw new ApiError('unauthorized', 'Invalid access token');
      }
      const claims: AccessClaims = { userId: sub, tenantId: tid, role: role as Role, tokenVersion: ver };
      if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, { claims, until: Math.min((payload.exp as number) * 1000, Date.now() + 60_000) });
      return claims;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const expired = err instanceof errors.JWTExpired;
      throw new ApiError('unauthorized', expired ? 'Access token expired' : 'Invalid access token');
    }
  }
}

/**
 * Opaque tenant-bound secrets: `<prefix>_<tenantId>.<secret>` (refresh
 * tokens `rt`, invitations `inv`, password resets `pwr`). The tenant id lets
 * the server open the right tenant scope before it has found the row; only a
 * SHA-256 of the whole token is stored, so editing the tenant part yields a
 * token that matches nothing.
 */
export function tenantToken(prefix: string) {
  const format = new RegExp(`^${prefix}_([0-9a-f-]{36})\\.[A-Za-z0-9_-]{43}$`);
  return {
    create: (tenantId: string) => `${prefix}_${tenantId}.${randomToken(32)}`,
    /** The tenant the token names, or null if it is not a well-formed token of this kind. */
    tenantOf: (token: string): string | null => format.exec(token)?.[1] ?? null,
  };
}

export const refreshToken = tenantToken('rt');
