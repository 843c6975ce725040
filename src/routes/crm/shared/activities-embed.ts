import { sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { relatedTypes } from '../../../db/schema/crm.ts';

export const RECENT_ACTIVITIES = 10;

/**
 * "table"."column": drizzle renders columns unqualified in a one-table select,
 * and inside the subquery a bare "id" would name the activity's own id.
 */
const outer = (column: AnyPgColumn) => sql`${column.table}.${sql.identifier(column.name)}`;

/**
 * A correlated subquery that returns a record's latest activities as one JSON
 * array, so a record and its activities come back in a single query (no N+1).
 * RLS on activities applies inside it as everywhere else.
 */
export function recentActivitiesSql(type: (typeof relatedTypes)[number], owner: { id: AnyPgColumn; tenantId: AnyPgColumn }) {
  return sql<RecentActivity[]>`coalesce((
    select json_agg(json_build_object(
      'id', a.id, 'type', a.type, 'subject', a.subject, 'body', a.body,
      'dueAt', a.due_at, 'completedAt', a.completed_at, 'ownerId', a.owner_id, 'createdAt', a.created_at
    ) order by a.created_at desc, a.id desc)
    from (
      select * from activities a
      where a.tenant_id = ${outer(owner.tenantId)} and a.related_type = ${type} and a.related_id = ${outer(owner.id)}
      order by a.created_at desc, a.id desc
      limit ${sql.raw(String(RECENT_ACTIVITIES))}
    ) a
  ), '[]'::json)`;
}

export interface RecentActivity {
  id: string;
  type: string;
  subject: string;
  body: string | null;
  dueAt: string | null;
  completedAt: string | null;
  ownerId: string | null;
  createdAt: string;
}

const iso = (v: string | null) => (v === null ? null : new Date(v).toISOString());

/** JSON timestamps come back in Postgres's format; answer in ISO 8601 like every other field. */
export const normalizeActivities = (rows: RecentActivity[]) =>
  rows.map((a) => ({ ...a, dueAt: iso(a.dueAt), completedAt: iso(a.completedAt), createdAt: iso(a.createdAt) as string }));
