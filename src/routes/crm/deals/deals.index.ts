import { dealStatuses, deals } from '../../../db/schema/index.ts';
import { crmResource } from '../shared/resource.ts';
import { prepareDeal } from './deals.prepare.ts';
import { createDealSchema, dealSchema, updateDealSchema } from './deals.schemas.ts';

const router = crmResource({
  resource: 'deals',
  singular: 'Deal',
  table: deals,
  schemas: { create: createDealSchema, update: updateDealSchema, record: dealSchema },
  filters: [
    { kind: 'enum', param: 'status', column: deals.status, values: dealStatuses },
    { kind: 'uuid', param: 'ownerId', column: deals.ownerId },
    { kind: 'uuid', param: 'pipelineId', column: deals.pipelineId },
    { kind: 'uuid', param: 'stageId', column: deals.stageId },
    { kind: 'uuid', param: 'accountId', column: deals.accountId },
    { kind: 'uuid', param: 'contactId', column: deals.contactId },
    { kind: 'text', param: 'currency', column: deals.currency },
    { kind: 'dateRange', param: 'createdAt', column: deals.createdAt },
    { kind: 'dateRange', param: 'updatedAt', column: deals.updatedAt },
    { kind: 'dateRange', param: 'expectedCloseDate', column: deals.expectedCloseDate, date: true },
  ],
  sortable: { createdAt: deals.createdAt, updatedAt: deals.updatedAt, amount: deals.amount, name: deals.name },
  ownOnlyRoles: ['sales_user'],
  customFields: 'deals',
  embedActivities: 'deal',
  prepare: ({ s, input, existing }) => prepareDeal({ s, input, existing: existing as typeof deals.$inferSelect | null }),
  updateEvents: (before, after) => [
    ...(before.stageId !== after.stageId ? (['deal.stage_changed'] as const) : []),
    ...(before.status !== after.status && after.status === 'won' ? (['deal.won'] as const) : []),
    ...(before.status !== after.status && after.status === 'lost' ? (['deal.lost'] as const) : []),
  ],
});

export default router;
