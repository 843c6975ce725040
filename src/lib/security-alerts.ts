import { findTenant } from '../db/tenants.ts';
import type { AppDeps } from './context.ts';
import { emails, type SecurityAlert } from './emails.ts';
import { notifyTenantAdmins } from './notify-admins.ts';

/**
 * Emails each tenant's admins about a security event, at most once per alert
 * type per tenant per SECURITY_ALERT_INTERVAL_SECONDS, so one attacker cannot
 * flood their inboxes. The debounce lives in the shared rate-limit store
 * (one counter per tenant and type, limit 1), so every instance honours it;
 * if the store cannot answer, the alert is skipped (logged), never sent
 * unbounded. The events themselves stay in /api/security-events. Never throws.
 */
export async function sendSecurityAlert(deps: AppDeps, tenantIds: string[], alert: SecurityAlert): Promise<void> {
  const interval = deps.config.SECURITY_ALERT_INTERVAL_SECONDS;
  await Promise.all(
    [...new Set(tenantIds)].map(async (tenantId) => {
      try {
        const slot = await deps.rateLimits.hit(`security-alert:${alert.type}:${tenantId}`, 1, interval);
        if (!slot.allowed) return;
        const tenant = await findTenant(deps.db, tenantId);
        if (!tenant) return;
        await notifyTenantAdmins(
          deps,
          tenantId,
          emails.securityAlert({ tenantName: tenant.name, alert, at: new Date().toISOString(), intervalMinutes: Math.ceil(interval / 60) }),
        );
      } catch (err) {
        deps.logger.warn('security alert skipped', { tenantId, type: alert.type, error: String((err as Error).message ?? err) });
      }
    }),
  );
}
