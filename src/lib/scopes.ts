import { type Action, type Resource, resources } from './permissions.ts';

/**
 * API key scopes (SPEC section 8): `<resource>:read|write|delete|export` for
 * the data resources, `<resource>:admin` for the administrative ones, and `*`.
 *
 * `*` means every data scope, never an admin one: a key reaches users, API
 * keys, settings, webhooks, billing, the audit log, security events or the
 * tenant (export/deletion) only if that resource's admin scope is listed.
 */
export const adminResources = [
  'users',
  'settings',
  'api_keys',
  'webhooks',
  'billing',
  'audit_logs',
  'security_events',
  'tenant',
] as const satisfies readonly Resource[];

const isAdminResource = (r: Resource) => (adminResources as readonly Resource[]).includes(r);
const dataActions = ['read', 'write', 'delete', 'export'] as const;

export const WILDCARD = '*';
export const scopes: readonly string[] = [
  WILDCARD,
  ...resources.filter((r) => !isAdminResource(r)).flatMap((r) => dataActions.map((a) => `${r}:${a}`)),
  ...adminResources.map((r) => `${r}:admin`),
];

/** The scope an action needs: `<resource>:<action>`, or `<resource>:admin` for any action on an admin resource. */
export const requiredScope = (resource: Resource, action: Action) => `${resource}:${isAdminResource(resource) ? 'admin' : action}`;

/** Whether scopes allow `action` on `resource` (actions do not imply one another: write does not grant read). */
export function scopeAllows(granted: readonly string[], resource: Resource, action: Action): boolean {
  const needed = requiredScope(resource, action);
  if (granted.includes(needed)) return true;
  return !isAdminResource(resource) && action !== 'admin' && granted.includes(WILDCARD);
}

/** Whether `granted` covers every scope in `requested`: a key managing keys grants no more than it holds. */
export function coversScopes(granted: readonly string[], requested: readonly string[]): boolean {
  return requested.every(
    (scope) => granted.includes(scope) || (scope !== WILDCARD && !isAdminResource(scope.split(':')[0] as Resource) && granted.includes(WILDCARD)),
  );
}
