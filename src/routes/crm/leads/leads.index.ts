import { leadStatuses, leads } from '../../../db/schema/index.ts';
import { withImportExport } from '../shared/bulk.ts';
import { type CrmResourceConfig, crmResource } from '../shared/resource.ts';
import { convertLead, convertRoute, leadOwnOnlyRoles } from './leads.convert.ts';
import { createLeadSchema, leadSchema, updateLeadSchema } from './leads.schemas.ts';

const config = {
  resource: 'leads',
  singular: 'Lead',
  table: leads,
  schemas: { create: createLeadSchema, update: updateLeadSchema, record: leadSchema },
  filters: [
    { kind: 'enum', param: 'status', column: leads.status, values: leadStatuses },
    { kind: 'uuid', param: 'ownerId', column: leads.ownerId },
    { kind: 'text', param: 'source', column: leads.source },
    { kind: 'dateRange', param: 'createdAt', column: leads.createdAt },
    { kind: 'dateRange', param: 'updatedAt', column: leads.updatedAt },
  ],
  sortable: { createdAt: leads.createdAt, updatedAt: leads.updatedAt, lastName: leads.lastName, score: leads.score },
  ownOnlyRoles: leadOwnOnlyRoles,
  customFields: 'leads',
  embedActivities: 'lead',
} satisfies CrmResourceConfig<typeof leads>;

export default withImportExport(crmResource(config).openapi(convertRoute, convertLead), { crm: config, key: 'email' });
