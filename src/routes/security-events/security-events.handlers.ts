import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { securityEvents } from '../../db/schema/index.ts';
import { allows } from '../../lib/access.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { CSV_BATCH, csvResponse, refusePaging, wantsCsv } from '../../lib/csv-stream.ts';
import { ApiError } from '../../lib/errors.ts';
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

async function streamCsv(c: Context<AppEnv>, type: EventType | undefined) {
  await c
    .get('tenantDb')
    .transaction((s) => audit(c, s, { action: 'security_event.exported', resourceType: 'security_event', changes: { query: c.req.query() } }));
  return csvResponse(c, {
    name: 'security-events',
    header: [...CSV_COLUMNS],
    line: (row: SecurityEvent) => {
      const shown = toApi(row);
      return CSV_COLUMNS.map((k) => shown[k]);
    },
    page: (cursor) => readPage(c, type, CSV_BATCH, cursor).then(({ data, pagination }) => ({ data, nextCursor: pagination.nextCursor })),
  });
}

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  if (wantsCsv(c, query.format)) {
    if (!allows(c.get('principal'), 'security_events', 'export')) throw new ApiError('insufficient_permissions', 'Your role cannot export security events');
    refusePaging(c);
    return (await streamCsv(c, query.type)) as never;
  }
  const { data, pagination } = await readPage(c, query.type, query.limit, query.cursor);
  return c.json({ data: data.map(toApi), pagination }, 200);
};

export const exportCsv: RouteHandler<typeof routes.exportCsv, AppEnv> = async (c) => (await streamCsv(c, c.req.valid('query').type)) as never;
