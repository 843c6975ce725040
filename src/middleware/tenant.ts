import { createMiddleware } from 'hono/factory';
import { findTenant } from '../db/tenants.ts';
import type { AppEnv, TenantHint } from '../lib/context.ts';

const SLUG_OR_ID = /^(?:[a-z0-9-]{3,40}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** `<slug>.<base>` or `api.<slug>.<base>` → slug; the bare API host names no tenant. */
export function slugFromHost(host: string | undefined, baseDomain: string): string | null {
  if (!host) return null;
  const hostname = host.toLowerCase().replace(/:\d+$/, '');
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!hostname.endsWith(suffix)) return null;
  const labels = hostname.slice(0, -suffix.length).split('.');
  if (labels.length === 2 && labels[0] === 'api') return labels[1] ?? null;
  if (labels.length === 1 && labels[0] !== 'api' && labels[0] !== 'www') return labels[0] ?? null;
  return null;
}

/**
 * Tenant resolution: subdomain, then X-Tenant-ID, then ?tenantId. Every hint
 * present is resolved; the credential check later requires all to agree with it.
 */
export const resolveTenant = createMiddleware<AppEnv>(async (c, next) => {
  const { config, db } = c.get('deps');
  const candidates: [TenantHint['source'], string | null | undefined][] = [
    ['subdomain', slugFromHost(c.req.header('host'), config.BASE_DOMAIN)],
    ['header', c.req.header('x-tenant-id')],
    ['query', c.req.query('tenantId')],
  ];
  const hints: TenantHint[] = [];
  for (const [source, raw] of candidates) {
    if (raw === null || raw === undefined || raw === '') continue;
    const value = raw.trim().toLowerCase();
    const tenant = SLUG_OR_ID.test(value) ? await findTenant(db, value) : null;
    hints.push({ source, value, tenant });
  }
  const [first, ...rest] = hints;
  // Disagreeing hints name no single tenant: treat as an unknown tenant.
  const agree = rest.every((h) => h.tenant !== null && h.tenant.id === first?.tenant?.id);
  c.set('tenantHint', first ? { ...first, tenant: agree ? first.tenant : null } : null);
  await next();
});
