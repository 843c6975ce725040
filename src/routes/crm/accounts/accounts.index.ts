import { accountSizes, accounts } from '../../../db/schema/index.ts';
import { withImportExport } from '../shared/bulk.ts';
import { type CrmResourceConfig, crmResource } from '../shared/resource.ts';
import { accountSchema, createAccountSchema, updateAccountSchema } from './accounts.schemas.ts';

const config = {
  resource: 'accounts',
  singular: 'Account',
  table: accounts,
  schemas: { create: createAccountSchema, update: updateAccountSchema, record: accountSchema },
  filters: [
    { kind: 'uuid', param: 'ownerId', column: accounts.ownerId },
    { kind: 'text', param: 'industry', column: accounts.industry },
    { kind: 'enum', param: 'size', column: accounts.size, values: accountSizes },
    { kind: 'dateRange', param: 'createdAt', column: accounts.createdAt },
    { kind: 'dateRange', param: 'updatedAt', column: accounts.updatedAt },
  ],
  sortable: { createdAt: accounts.createdAt, updatedAt: accounts.updatedAt, name: accounts.name },
  // Only managers and admins write accounts (SPEC section 5), on any account.
  ownOnlyRoles: [],
  customFields: 'accounts',
  embedActivities: 'account',
  unique: { field: 'domain', column: accounts.domain },
} satisfies CrmResourceConfig<typeof accounts>;

export default withImportExport(crmResource(config), { crm: config, key: 'domain' });
