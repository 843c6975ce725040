import { accounts, contacts } from '../../../db/schema/index.ts';
import { withImportExport } from '../shared/bulk.ts';
import { type CrmResourceConfig, crmResource } from '../shared/resource.ts';
import { contactSchema, createContactSchema, updateContactSchema } from './contacts.schemas.ts';

const config = {
  resource: 'contacts',
  singular: 'Contact',
  table: contacts,
  schemas: { create: createContactSchema, update: updateContactSchema, record: contactSchema },
  filters: [
    { kind: 'uuid', param: 'ownerId', column: contacts.ownerId },
    { kind: 'uuid', param: 'accountId', column: contacts.accountId },
    { kind: 'dateRange', param: 'createdAt', column: contacts.createdAt },
    { kind: 'dateRange', param: 'updatedAt', column: contacts.updatedAt },
  ],
  sortable: { createdAt: contacts.createdAt, updatedAt: contacts.updatedAt, lastName: contacts.lastName },
  ownOnlyRoles: ['sales_user', 'support_user'],
  customFields: 'contacts',
  embedActivities: 'contact',
  references: (input) => [['accountId', accounts, input.accountId as string | null | undefined]],
  unique: { field: 'email', column: contacts.email },
} satisfies CrmResourceConfig<typeof contacts>;

export default withImportExport(crmResource(config), { crm: config, key: 'email' });
