import { randomToken } from '../../lib/crypto.ts';

/** Invitation tokens: `inv_<tenantId>.<secret>`; only a SHA-256 of the whole token is stored. */
export const invitationToken = {
  create(tenantId: string): string {
    return `inv_${tenantId}.${randomToken(32)}`;
  },
  tenantOf(token: string): string | null {
    const match = /^inv_([0-9a-f-]{36})\.[A-Za-z0-9_-]{43}$/.exec(token);
    return match?.[1] ?? null;
  },
};
