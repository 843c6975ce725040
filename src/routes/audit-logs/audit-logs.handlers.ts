import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { auditLogs } from '../../db/schema/index.ts';
import { verifyChain } from '../../lib/audit-chain.ts';
import type { AppEnv } from '../../lib/context.ts';
import { auditedCsvResponse, CSV_BATCH, checkCsvFromList, wantsCsv } from '../../lib/csv-stream.ts';
import { keysetPage, newestFirst } from '../../lib/pagination.ts';
import type * as routes from './audit-logs.routes.ts';

type Query = typeof routes.exportQuery._output;
type AuditRow = typeof auditLogs.$inferSelect;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `to` is inclusive: a bare date covers its whole day. */
function dateRange(from?: string, to?: string): SQL[] {
  const conditions: SQL[] = [];
  if (from) conditions.push(gte(auditLogs.createdAt, new Date(from)));
  if (to) {
    if (DATE_ONLY.test(to)) conditions.push(lt(auditLogs.createdAt, new Date(Date.parse(to) + 86_400_000)));
    else conditions.push(lte(auditLogs.createdAt, new Date(to)));
  }
  return conditions;
}

function filters(query: Query): SQL | undefined {
  return and(
    query.actorId ? eq(auditLogs.actorId, query.actorId) : undefined,
    query.actorType ? eq(auditLogs.actorType, query.actorType) : undefined,
    query.action ? eq(auditLogs.action, query.action) : undefined,
    query.resourceType ? eq(auditLogs.resourceType, query.resourceType) : undefined,
    query.resourceId ? eq(auditLogs.resourceId, query.resourceId) : undefined,
    ...dateRange(query.from, query.to),
  );
}

export const toApi = ({ tenantId: _t, createdAt, ...row }: AuditRow) => ({ ...row, createdAt: createdAt.toISOString() });

async function readPage(c: Context<AppEnv>, query: Query, limit: number, cursor: string | undefined) {
  const page = keysetPage(newestFirst(auditLogs), { limit, cursor });
  const [rows] = await c
    .get('tenantDb')
    .batch((s) => [s.select(auditLogs, { where: and(page.where, filters(query)), orderBy: page.orderBy, limit: page.limit })] as const);
  return page.page(rows);
}

const CSV_COLUMNS = [
  'seq',
  'createdAt',
  'actorType',
  'actorId',
  'action',
  'resourceType',
  'resourceId',
  'changes',
  'requestId',
  'ip',
  'userAgent',
  'id',
  'contentHash',
  'prevHash',
  'hash',
] as const;

const streamCsv = (c: Context<AppEnv>, query: Query) =>
  auditedCsvResponse(c, {
    name: 'audit-logs',
    resourceType: 'audit_log',
    columns: CSV_COLUMNS,
    show: toApi,
    page: (cursor) => readPage(c, query, CSV_BATCH, cursor),
  });

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  if (wantsCsv(c, query.format)) {
    checkCsvFromList(c, 'audit_logs');
    return (await streamCsv(c, query)) as never;
  }
  const { data, pagination } = await readPage(c, query, query.limit, query.cursor);
  return c.json({ data: data.map(toApi), pagination }, 200);
};

export const exportCsv: RouteHandler<typeof routes.exportCsv, AppEnv> = async (c) => (await streamCsv(c, c.req.valid('query'))) as never;

export const verify: RouteHandler<typeof routes.verify, AppEnv> = async (c) => {
  const result = await c.get('tenantDb').transaction((s) => verifyChain(s));
  return c.json(result, 200);
};
