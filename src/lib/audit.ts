import type { Context } from 'hono';
import { auditLogs } from '../db/schema/index.ts';
import type { Scoped } from '../db/scoped.ts';
import { actorOf } from './access.ts';
import type { AppEnv } from './context.ts';

const SENSITIVE = /password|token|secret|hash/i;

/** Drops sensitive fields from a before/after snapshot. */
export function redactChanges(changes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(changes).map(([k, v]) => [
      k,
      SENSITIVE.test(k)
        ? '[redacted]'
        : v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
          ? redactChanges(v as Record<string, unknown>)
          : v,
    ]),
  );
}

export interface AuditEntry {
  action: string;
  resourceType: string;
  resourceId?: string | null;
  changes?: Record<string, unknown>;
  actorId?: string | null;
  /** Default `user`; `platform` for operators, `system` for Stripe webhooks. */
  actorType?: 'user' | 'api_key' | 'platform' | 'system';
}

/** Writes an audit row inside the caller's transaction, so it exists exactly when the change does. */
export function audit(c: Context<AppEnv>, s: Scoped, entry: AuditEntry) {
  // The request's credential (a user, or an API key by its id) unless the caller names the actor.
  const principal = c.get('principal');
  const actor = principal ? actorOf(principal) : null;
  return s.insert(auditLogs, {
    actorType: entry.actorType ?? (entry.actorId === undefined && actor ? actor.type : 'user'),
    actorId: entry.actorId ?? actor?.id ?? null,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId ?? null,
    changes: entry.changes ? redactChanges(entry.changes) : null,
    requestId: c.get('requestId'),
    ip: c.get('clientIp'),
    userAgent: c.req.header('user-agent') ?? null,
  });
}
