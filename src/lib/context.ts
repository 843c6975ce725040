import type { Context } from 'hono';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Role } from '../db/schema/index.ts';
import type { TenantDb } from '../db/scoped.ts';
import type { TenantSummary } from '../db/tenants.ts';
import type { DocsBundleLoader } from './docs-bundle.ts';
import type { Logger } from './logger.ts';
import type { Notifier } from './notifier.ts';
import type { PasswordHasher } from './passwords.ts';
import type { PrincipalCache } from './principal-cache.ts';
import type { RateLimitStore } from './rate-limit.ts';
import type { ResolveHost } from './ssrf.ts';
import type { TokenService } from './tokens.ts';

/** What a runtime entry wires into the app: platform bindings, nothing else. */
export interface AppDeps {
  config: Config;
  db: Database;
  hasher: PasswordHasher;
  rateLimits: RateLimitStore;
  notifier: Notifier;
  logger: Logger;
  /** The peer address as the platform sees it (socket on Node/Deno, CF-Connecting-IP on Workers). */
  peerIp: (c: Context) => string | undefined;
  /** DNS lookup for the webhook SSRF check (Node/Deno); unset on Workers, whose fetch cannot reach private ranges. */
  resolveHost?: ResolveHost;
  /** Scalar's browser bundle for /docs (Node/Deno: node_modules; Workers: static assets). Unset: /docs loads it from the public CDN. */
  docsBundle?: DocsBundleLoader;
  /** Verified credentials reused per process/isolate (default: one per app, PRINCIPAL_CACHE_TTL_MS). */
  principals?: PrincipalCache;
}

/**
 * Who is calling. A user (JWT) or an API key (`kind`); the fields the other
 * kind has are null, so shared code (logs, audit, ownership) reads them
 * without narrowing and the type checker flags every place that needs a user.
 */
export type Principal = UserPrincipal | ApiKeyPrincipal;

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  email: string;
  name: string;
  role: Role;
  tenant: TenantSummary;
  keyId: null;
  scopes: null;
  rateLimitPerMinute: null;
}

export interface ApiKeyPrincipal {
  kind: 'api_key';
  keyId: string;
  /** The key's name. */
  name: string;
  /** What the key may do (src/lib/scopes.ts); checked instead of the role matrix. */
  scopes: readonly string[];
  /** The key's own limit; null = RATE_LIMIT_API_KEY_PER_MINUTE. */
  rateLimitPerMinute: number | null;
  tenant: TenantSummary;
  userId: null;
  email: null;
  role: null;
}

/** A tenant named explicitly by the request (subdomain, X-Tenant-ID, ?tenantId). */
export interface TenantHint {
  source: 'subdomain' | 'header' | 'query';
  value: string;
  /** null when no tenant matches the hint. */
  tenant: TenantSummary | null;
}

/** Read variables with c.get(name): hono's c.var copies all of them into a new object on every access. */
export interface AppEnv {
  Variables: {
    requestId: string;
    deps: AppDeps;
    tokens: TokenService;
    clientIp: string;
    tenantHint: TenantHint | null;
    principal: Principal;
    tenantDb: TenantDb;
    principals: PrincipalCache;
  };
}
