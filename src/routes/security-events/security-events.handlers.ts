import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { securityEvents } from '../../db/schema/index.ts';
import type { AppEnv } from '../../lib/context.ts';
import { keysetPage, newestFirst } from '../../lib/pagination.ts';
import type * as routes from './security-events.routes.ts';

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const page = keysetPage(newestFirst(securityEvents), query);
  const where = and(page.where, query.type ? eq(securityEvents.type, query.type) : undefined);
  const [rows] = await c.get('tenantDb').batch(
    (s) => [s.select(securityEvents, { where, orderBy: page.orderBy, limit: page.limit })] as const,
  );
  const { data, pagination } = page.page(rows);
  return c.json(
    {
      data: data.map(({ tenantId: _t, createdAt, ...e }) => ({ ...e, createdAt: createdAt.toISOString() })),
      pagination,
    },
    200,
  );
};
