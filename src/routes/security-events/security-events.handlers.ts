import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { securityEvents } from '../../db/schema/index.ts';
import type { AppEnv } from '../../lib/context.ts';
import { auditedCsvResponse, CSV_BATCH, checkCsvFromList, wantsCsv } from '../../lib/csv-stream.ts';
import { keysetPage, newestFirst } from '../../lib/pagination.ts';
import type * as routes from './security-events.routes.ts';

type SecurityEvent = typeof securityEvents.$inferSelect;
type EventType = SecurityEvent['type'];

const toApi = ({ tenantId: _t, createdAt, ...e }: SecurityEvent) => ({ ...e, createdAt: createdAt.toISOString() });

async function readPage(c: Context<AppEnv>, type: EventType | undefined, limit: number, cursor: string | undefined) {
  const page = keysetPage(newestFirst(securityEvents), { limit, cursor });
  const where = and(page.where, type ? eq(securityEvents.type, type) : undefined);
  const [rows] = await c.get('tenantDb').batch((s) => [s.select(securityEvents, { where, orderBy: page.orderBy, limit: page.limit })] as const);
  return page.page(rows);
}

const CSV_COLUMNS = ['createdAt', 'type', 'id', 'requestId', 'userId', 'credentialTenantId', 'requestedTenant', 'ip', 'userAgent', 'details'] as const;

const streamCsv = (c: Context<AppEnv>, type: EventType | undefined) =>
  auditedCsvResponse(c, {
    name: 'security-events',
    resourceType: 'security_event',
    columns: CSV_COLUMNS,
    show: toApi,
    page: (cursor) => readPage(c, type, CSV_BATCH, cursor),
  });

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  if (wantsCsv(c, query.format)) {
    checkCsvFromList(c, 'security_events');
    return (await streamCsv(c, query.type)) as never;
  }
  const { data, pagination } = await readPage(c, query.type, query.limit, query.cursor);
  return c.json({ data: data.map(toApi), pagination }, 200);
};

export const exportCsv: RouteHandler<typeof routes.exportCsv, AppEnv> = async (c) => (await streamCsv(c, c.req.valid('query').type)) as never;
