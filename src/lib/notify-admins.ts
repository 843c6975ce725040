import { and, eq } from 'drizzle-orm';
import { users } from '../db/schema/index.ts';
import { scopedQueries } from '../db/scoped.ts';
import type { AppDeps } from './context.ts';
import type { EmailContent } from './notifier.ts';

/**
 * Emails every active tenant_admin of the tenant. Never throws: a failed
 * lookup or send is logged (no addresses, no body) and the caller's work
 * goes on. Returns how many emails were handed to the provider.
 */
export async function notifyTenantAdmins(deps: Pick<AppDeps, 'db' | 'notifier' | 'logger'>, tenantId: string, message: EmailContent): Promise<number> {
  let admins: { email: string }[];
  try {
    [admins] = await deps.db.batch(
      tenantId,
      (q) => [scopedQueries(q, tenantId).select(users, { where: and(eq(users.role, 'tenant_admin'), eq(users.status, 'active')) })] as const,
    );
  } catch (err) {
    deps.logger.error('tenant admins lookup failed', { tenantId, error: String((err as Error).message ?? err) });
    return 0;
  }
  const results = await Promise.allSettled(admins.map((admin) => deps.notifier.sendEmail({ ...message, to: admin.email })));
  const failed = results.filter((r) => r.status === 'rejected').length;
  if (failed) deps.logger.error('admin notification failed', { tenantId, subject: message.subject, failed, total: admins.length });
  return admins.length - failed;
}
