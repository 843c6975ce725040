import { isNotNull, isNull, sql } from 'drizzle-orm';
import { accounts, activities, activityTypes, contacts, deals, leads, relatedTypes } from '../../../db/schema/index.ts';
import { crmResource } from '../shared/resource.ts';
import { activitySchema, createActivitySchema, toActivity, updateActivitySchema } from './activities.schemas.ts';

const relatedTables = { lead: leads, contact: contacts, account: accounts, deal: deals };
type RelatedTo = { type: keyof typeof relatedTables; id: string } | null | undefined;

/** A task past its due time and not completed (never null, so `not` of it is exact too). */
const overdue = sql`(${activities.type} = 'task' and ${activities.dueAt} is not null and ${activities.dueAt} < now() and ${activities.completedAt} is null)`;

const router = crmResource({
  resource: 'activities',
  singular: 'Activity',
  table: activities,
  schemas: { create: createActivitySchema, update: updateActivitySchema, record: activitySchema },
  filters: [
    { kind: 'enum', param: 'type', column: activities.type, values: activityTypes },
    { kind: 'uuid', param: 'ownerId', column: activities.ownerId },
    { kind: 'enum', param: 'relatedType', column: activities.relatedType, values: relatedTypes },
    { kind: 'uuid', param: 'relatedId', column: activities.relatedId },
    {
      kind: 'flag',
      param: 'completed',
      where: (on) => (on ? isNotNull(activities.completedAt) : isNull(activities.completedAt)),
      description: '`true`: completedAt is set; `false`: not completed yet',
    },
    { kind: 'flag', param: 'overdue', where: (on) => (on ? overdue : sql`not ${overdue}`), description: '`true`: tasks due before now and not completed' },
    { kind: 'dateRange', param: 'dueAt', column: activities.dueAt },
    { kind: 'dateRange', param: 'createdAt', column: activities.createdAt },
  ],
  // dueAt is nullable and keyset cursors need a NOT NULL column; filter by dueAt range instead.
  sortable: { createdAt: activities.createdAt, updatedAt: activities.updatedAt },
  ownOnlyRoles: ['sales_user', 'support_user'],
  serialize: toActivity,
  // relatedTo must name a record of the caller's tenant; stored as related_type/related_id.
  references: (input) => {
    const { relatedTo } = input as { relatedTo: RelatedTo };
    return relatedTo ? [['relatedTo.id', relatedTables[relatedTo.type], relatedTo.id]] : [];
  },
  columns: (input) => {
    const { relatedTo, ...values } = input as Record<string, unknown> & { relatedTo: RelatedTo };
    return relatedTo === undefined ? values : { ...values, relatedType: relatedTo?.type ?? null, relatedId: relatedTo?.id ?? null };
  },
});

export default router;
