import type { Role } from '../db/schema/index.ts';

/** SPEC section 5: what each role may do to each resource. "own" rules are checked by the handler. */
export const actions = ['read', 'write', 'delete', 'export', 'admin'] as const;
export type Action = (typeof actions)[number];

export const resources = [
  'leads',
  'contacts',
  'deals',
  'accounts',
  'activities',
  'pipelines',
  'custom_fields',
  'reports',
  'users',
  'settings',
  'api_keys',
  'webhooks',
  'billing',
  'audit_logs',
  'security_events',
  'tenant',
] as const;
export type Resource = (typeof resources)[number];

type Matrix = Record<Role, Partial<Record<Resource, readonly Action[]>>>;

const ALL = actions;
const RW = ['read', 'write'] as const;
const RWD = ['read', 'write', 'delete'] as const;
const RWDE = ['read', 'write', 'delete', 'export'] as const;
const R = ['read'] as const;

export const permissionMatrix: Matrix = {
  tenant_admin: Object.fromEntries(resources.map((r) => [r, ALL])),
  manager: { leads: RWDE, contacts: RWDE, deals: RWDE, accounts: RWD, activities: RWD, pipelines: RWD, custom_fields: R, reports: R, users: R },
  sales_user: { leads: RW, contacts: RW, deals: RW, accounts: R, activities: RW, pipelines: R, custom_fields: R, reports: R },
  support_user: { leads: R, contacts: RW, deals: R, accounts: R, activities: RW, pipelines: R, custom_fields: R },
  read_only: { leads: R, contacts: R, deals: R, accounts: R, activities: R, pipelines: R, custom_fields: R, reports: R },
};

export function can(role: Role, resource: Resource, action: Action): boolean {
  const allowed = permissionMatrix[role][resource];
  return allowed?.includes(action) === true || allowed?.includes('admin') === true;
}

/** Higher rank = more power; nobody grants a role ranked above their own. */
export const roleRank: Record<Role, number> = {
  tenant_admin: 4,
  manager: 3,
  sales_user: 2,
  support_user: 2,
  read_only: 1,
};
