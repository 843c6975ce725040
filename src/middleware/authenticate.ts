import { eq } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import { TenantDb } from '../db/scoped.ts';
import { tenants, users } from '../db/schema/index.ts';
import { tenantColumns } from '../db/tenants.ts';
import type { AppEnv } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';
import { recordSecurityEvent } from '../lib/security-events.ts';

const QUERY_CREDENTIALS = ['access_token', 'token', 'api_key', 'apiKey', 'key'];

/** Credentials come only from the Authorization header. */
function bearerToken(header: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header ?? '');
  if (!match?.[1]) throw new ApiError('unauthorized', 'Missing or malformed Authorization header');
  return match[1];
}

/**
 * Pipeline steps credential → expiry → tenant match → role load. The role and
 * status are read from the database on every request, so a demoted or
 * deactivated user loses access immediately, not after the token expires.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const { db } = c.var.deps;
  if (QUERY_CREDENTIALS.some((k) => c.req.query(k) !== undefined)) {
    throw new ApiError('unauthorized', 'Credentials are accepted only in the Authorization header');
  }
  const claims = await c.var.tokens.verifyAccess(bearerToken(c.req.header('authorization')));

  const hint = c.get('tenantHint');
  if (hint && hint.tenant?.id !== claims.tenantId) {
    await recordSecurityEvent(db, [claims.tenantId, ...(hint.tenant ? [hint.tenant.id] : [])], {
      type: 'tenant_mismatch',
      requestId: c.get('requestId'),
      userId: claims.userId,
      credentialTenantId: claims.tenantId,
      requestedTenant: hint.tenant?.id ?? hint.value,
      ip: c.get('clientIp'),
      userAgent: c.req.header('user-agent') ?? null,
      details: { source: hint.source, method: c.req.method, path: c.req.path },
    });
    throw new ApiError('tenant_mismatch', 'The requested tenant does not match your credentials');
  }

  const tenantDb = new TenantDb(db, claims.tenantId);
  const [rows] = await tenantDb.batch(
    (s) =>
      [
        s.q
          .select({
            id: users.id,
            email: users.email,
            name: users.name,
            role: users.role,
            status: users.status,
            tokenVersion: users.tokenVersion,
            tenant: tenantColumns,
          })
          .from(users)
          .innerJoin(tenants, eq(tenants.id, users.tenantId))
          .where(eq(users.id, claims.userId))
          .limit(1),
      ] as const,
  );
  const user = rows[0];
  if (!user || user.status !== 'active' || user.tokenVersion !== claims.tokenVersion) {
    throw new ApiError('unauthorized', 'Access token is no longer valid');
  }
  c.set('principal', { userId: user.id, email: user.email, name: user.name, role: user.role, tenant: user.tenant });
  c.set('tenantDb', tenantDb);
  await next();
});
