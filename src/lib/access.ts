import type { Role } from '../db/schema/index.ts';
import type { Principal, UserPrincipal } from './context.ts';
import { ApiError } from './errors.ts';
import { type Action, can, type Resource, roleRank } from './permissions.ts';
import { scopeAllows } from './scopes.ts';

/**
 * What a caller may do: users by the role matrix (src/lib/permissions.ts),
 * API keys by their scopes (src/lib/scopes.ts). Permission checks on a
 * principal go through here, never through `principal.role` directly.
 */
export function allows(principal: Principal, resource: Resource, action: Action): boolean {
  return principal.kind === 'api_key' ? scopeAllows(principal.scopes, resource, action) : can(principal.role, resource, action);
}

/** Whether the caller may change only records it owns (SPEC section 5 "own"). Scopes are per resource, so keys never are. */
export const ownRecordsOnly = (principal: Principal, roles: readonly Role[]) => principal.kind === 'user' && roles.includes(principal.role);

/**
 * The highest role a caller may grant or manage. A key holding `users:admin`
 * was given user administration by a tenant admin, so it ranks as one.
 */
export const rankOf = (principal: Principal) => (principal.kind === 'api_key' ? roleRank.tenant_admin : roleRank[principal.role]);

/** Who acted, for audit rows and idempotency scopes. */
export const actorOf = (principal: Principal) =>
  principal.kind === 'api_key' ? { type: 'api_key' as const, id: principal.keyId } : { type: 'user' as const, id: principal.userId };

/** For what only a signed-in user has (a session to end, a profile): API keys are refused. */
export function requireUser(principal: Principal, what: string): asserts principal is UserPrincipal {
  if (principal.kind !== 'user') throw new ApiError('insufficient_permissions', `API keys cannot ${what}; use a user session`);
}
