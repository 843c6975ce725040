import type { Database } from '../db/client.ts';
import { securityEvents } from '../db/schema/index.ts';
import { scopedQueries } from '../db/scoped.ts';

type SecurityEvent = Omit<typeof securityEvents.$inferInsert, 'tenantId' | 'id' | 'createdAt'>;

/** Stores a security event in each tenant concerned (e.g. both sides of a tenant mismatch). */
export async function recordSecurityEvent(db: Database, tenantIds: string[], event: SecurityEvent) {
  await Promise.all([...new Set(tenantIds)].map((tenantId) => db.transaction(tenantId, (q) => scopedQueries(q, tenantId).insert(securityEvents, event))));
}
