import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { apiKeys, tenants, users } from '../db/schema/index.ts';
import { TenantDb } from '../db/scoped.ts';
import { tenantColumns } from '../db/tenants.ts';
import { requireUser } from '../lib/access.ts';
import { API_KEY_PREFIX, apiKeySecret } from '../lib/api-key-secret.ts';
import type { ApiKeyPrincipal, AppEnv, UserPrincipal } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';
import { hasFeature } from '../lib/plans.ts';
import { sendSecurityAlert } from '../lib/security-alerts.ts';
import { recordSecurityEvent } from '../lib/security-events.ts';
import { principalRateLimit } from './rate-limit.ts';

const QUERY_CREDENTIALS = ['access_token', 'token', 'api_key', 'apiKey', 'key'];
/** A key's last use is written at most this often: a busy key costs one write a minute, not one per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Credentials come only from the Authorization header. */
function bearerToken(header: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header ?? '');
  if (!match?.[1]) throw new ApiError('unauthorized', 'Missing or malformed Authorization header');
  return match[1];
}

/** Query strings end up in logs and browser history: a credential there is refused, whatever the parameter is called. */
function refuseQueryCredentials(c: Context<AppEnv>) {
  const query = c.req.queries();
  const named = QUERY_CREDENTIALS.some((k) => k in query);
  const apiKeyValue = Object.values(query).some((values) => values.some((v) => v.includes(API_KEY_PREFIX)));
  if (named || apiKeyValue) throw new ApiError('unauthorized', 'Credentials are accepted only in the Authorization header');
}

/** Tenant match: an explicit hint naming another tenant than the credential's is refused and recorded in both. */
async function assertTenantMatch(c: Context<AppEnv>, credentialTenantId: string, actor: { userId?: string; apiKeyId?: string }) {
  const hint = c.get('tenantHint');
  if (!hint || hint.tenant?.id === credentialTenantId) return;
  await recordSecurityEvent(c.get('deps').db, [credentialTenantId, ...(hint.tenant ? [hint.tenant.id] : [])], {
    type: 'tenant_mismatch',
    requestId: c.get('requestId'),
    userId: actor.userId ?? null,
    credentialTenantId,
    requestedTenant: hint.tenant?.id ?? hint.value,
    ip: c.get('clientIp'),
    userAgent: c.req.header('user-agent') ?? null,
    details: { source: hint.source, method: c.req.method, path: c.req.path, ...(actor.apiKeyId ? { apiKeyId: actor.apiKeyId } : {}) },
  });
  // Neither tenant's email names the other: the requested one may not exist, or not be the caller's to know of.
  await sendSecurityAlert(c.get('deps'), [credentialTenantId, ...(hint.tenant ? [hint.tenant.id] : [])], {
    type: 'tenant_mismatch',
    detail: `${c.req.method} ${c.req.path} from ${c.get('clientIp')}`,
  });
  throw new ApiError('tenant_mismatch', 'The requested tenant does not match your credentials');
}

/**
 * JWT: signature and expiry, tenant match, then role and status read from
 * the database (or the principal cache, at most PRINCIPAL_CACHE_TTL_MS old and
 * dropped on any local change to the tenant's users), so a demoted or
 * deactivated user loses access within the spec's 60 s, not when the token expires.
 */
async function verifyUser(c: Context<AppEnv>, token: string): Promise<UserPrincipal> {
  const claims = await c.get('tokens').verifyAccess(token);
  await assertTenantMatch(c, claims.tenantId, { userId: claims.userId });
  // Keyed by token version too: a token issued before a role/status change never matches a newer entry.
  const cacheKey = `user:${claims.userId}:${claims.tokenVersion}`;
  const cached = c.get('principals').get<UserPrincipal>(cacheKey);
  if (cached && cached.tenant.id === claims.tenantId) return cached;
  const [rows] = await new TenantDb(c.get('deps').db, claims.tenantId).batch(
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
          .where(s.where(users, eq(users.id, claims.userId)))
          .limit(1),
      ] as const,
  );
  const user = rows[0];
  if (user?.status !== 'active' || user.tokenVersion !== claims.tokenVersion) {
    throw new ApiError('unauthorized', 'Access token is no longer valid');
  }
  const principal: UserPrincipal = {
    kind: 'user',
    userId: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    tenant: user.tenant,
    keyId: null,
    scopes: null,
    rateLimitPerMinute: null,
  };
  c.get('principals').set(cacheKey, claims.tenantId, principal);
  return principal;
}

/**
 * API key: the key names its tenant (src/lib/api-key-secret.ts), so its row
 * is found by hash inside that tenant's RLS scope, one unique-index probe.
 * The row is reused from the principal cache for at most
 * PRINCIPAL_CACHE_TTL_MS: revocation, rotation and plan changes made through
 * this instance drop it at once; made elsewhere they apply within that TTL.
 * Expiry is checked on every request against the row. Then tenant match,
 * after the key is proven (an unverified key must not be able to write
 * security events).
 */
async function verifyApiKey(c: Context<AppEnv>, key: string): Promise<ApiKeyPrincipal> {
  const tenantId = apiKeySecret.tenantOf(key);
  if (!tenantId) throw new ApiError('unauthorized', 'Invalid API key');
  const tokenHash = await apiKeySecret.hash(key);
  const tenantDb = new TenantDb(c.get('deps').db, tenantId);
  const cacheKey = `key:${tokenHash}`;
  const row = c.get('principals').get<ApiKeyRow>(cacheKey) ?? (await loadApiKey(tenantDb, tokenHash));
  if (!row) throw new ApiError('unauthorized', 'Invalid API key');
  c.get('principals').set(cacheKey, tenantId, row);
  if (row.revokedAt) throw new ApiError('unauthorized', 'This API key has been revoked');
  const now = Date.now();
  if (row.expiresAt && row.expiresAt.getTime() <= now) throw new ApiError('unauthorized', 'This API key has expired');
  await assertTenantMatch(c, tenantId, { apiKeyId: row.id });
  // API keys are an Enterprise feature: a tenant that leaves the plan keeps its keys, unusable until it is back.
  if (!hasFeature(row.tenant.plan, 'apiKeys')) {
    throw new ApiError('plan_feature_unavailable', 'Your plan does not include API keys; upgrade to Enterprise');
  }
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional, so concurrent requests (on any instance) write it once.
    const stale = new Date(now - LAST_USED_RESOLUTION_MS);
    await tenantDb.transaction((s) =>
      s.update(apiKeys, { lastUsedAt: new Date(now) }, and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale)))),
    );
    // The cached row too, or every request until the entry expires would write again.
    row.lastUsedAt = new Date(now);
  }
  return {
    kind: 'api_key',
    keyId: row.id,
    name: row.name,
    scopes: row.scopes,
    rateLimitPerMinute: row.rateLimitPerMinute,
    tenant: row.tenant,
    userId: null,
    email: null,
    role: null,
  };
}

type ApiKeyRow = NonNullable<Awaited<ReturnType<typeof loadApiKey>>>;

async function loadApiKey(tenantDb: TenantDb, tokenHash: string) {
  const [rows] = await tenantDb.batch(
    (s) =>
      [
        s.q
          .select({
            id: apiKeys.id,
            name: apiKeys.name,
            scopes: apiKeys.scopes,
            rateLimitPerMinute: apiKeys.rateLimitPerMinute,
            expiresAt: apiKeys.expiresAt,
            revokedAt: apiKeys.revokedAt,
            lastUsedAt: apiKeys.lastUsedAt,
            tenant: tenantColumns,
          })
          .from(apiKeys)
          .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
          .where(s.where(apiKeys, eq(apiKeys.tokenHash, tokenHash)))
          .limit(1),
      ] as const,
  );
  return rows[0];
}

/**
 * Pipeline steps credential → expiry → tenant match → role/scopes loaded →
 * per-credential and per-tenant rate limits. `Authorization: Bearer` carries
 * either a JWT access token or an API key; the key's prefix picks the path.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  refuseQueryCredentials(c);
  const credential = bearerToken(c.req.header('authorization'));
  const principal = apiKeySecret.isApiKey(credential) ? await verifyApiKey(c, credential) : await verifyUser(c, credential);
  c.set('principal', principal);
  c.set('tenantDb', new TenantDb(c.get('deps').db, principal.tenant.id));
  await principalRateLimit(c, next);
});

/**
 * For what only a signed-in user has (a session to end, a profile): a route
 * step after `authenticate` that refuses API keys before the request is
 * validated, so a key gets the same 403 whatever it sends.
 */
export const userOnly = (what: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    requireUser(c.get('principal'), what);
    await next();
  });
