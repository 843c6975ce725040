import { tenantToken } from '../../lib/tokens.ts';

/** Invitation tokens: `inv_<tenantId>.<secret>`; only a SHA-256 of the whole token is stored. */
export const invitationToken = tenantToken('inv');
