import type { AppDeps } from './context.ts';
import type { EmailContent, EmailMessage } from './notifier.ts';

/** The emails the app sends, one typed template each, so wording lives in one place. */
export const emails = {
  invitation(p: { inviterName: string; tenantName: string; role: string; acceptUrl: string; expiresAt: string }): EmailContent {
    return {
      subject: `${p.inviterName} invited you to ${p.tenantName}`,
      text: `You have been invited to ${p.tenantName} as ${p.role}.\nAccept: ${p.acceptUrl}\nThe link expires at ${p.expiresAt}.`,
    };
  },

  passwordReset(p: { tenantName: string; resetUrl: string; expiresAt: string }): EmailContent {
    return {
      subject: `Reset your ${p.tenantName} password`,
      text:
        `Someone (hopefully you) asked to reset your password for ${p.tenantName}.\n` +
        `Choose a new password: ${p.resetUrl}\n` +
        `The link works once and expires at ${p.expiresAt}. If you did not ask for this, ignore this email: your password stays as it is.`,
    };
  },

  securityAlert(p: { tenantName: string; alert: SecurityAlert; at: string; intervalMinutes: number }): EmailContent {
    const what =
      p.alert.type === 'tenant_mismatch'
        ? `A request presented credentials of one tenant for another tenant (${p.alert.detail}).`
        : `Repeated failed logins for ${p.alert.detail}: the login rate limit locked further attempts.`;
    return {
      subject: `[${p.tenantName}] Security alert: ${p.alert.type === 'tenant_mismatch' ? 'cross-tenant access attempt' : 'repeated failed logins'}`,
      text:
        `${what}\nTime: ${p.at}\nSee GET /api/security-events for the details.\n` +
        `Further alerts of this kind for ${p.tenantName} are held back for ${p.intervalMinutes} minutes.`,
    };
  },
};

export type SecurityAlert = { type: 'tenant_mismatch'; detail: string } | { type: 'failed_logins'; detail: string };

/**
 * Sends one email without letting a provider failure fail the caller's
 * request: the error is logged (provider-side details only) and false returned.
 */
export async function deliver(deps: Pick<AppDeps, 'notifier' | 'logger'>, message: EmailMessage): Promise<boolean> {
  try {
    await deps.notifier.sendEmail(message);
    return true;
  } catch (err) {
    deps.logger.error('email not delivered', { subject: message.subject, error: String((err as Error).message ?? err) });
    return false;
  }
}
