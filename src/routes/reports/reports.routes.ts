import { createRoute } from '@hono/zod-openapi';
import { dataEnvelope, errorResponses, jsonContent } from '../../lib/openapi.ts';
import { authorize } from '../../middleware/authorize.ts';
import { activityReportSchema, dateRangeQuery, funnelQuery, funnelReportSchema, pipelineQuery, pipelineReportSchema } from './reports.schemas.ts';

const tags = ['Reports'];
const security = [{ bearerAuth: [] }];
const scope = 'Sales users see only records they own; managers, admins, read-only users and API keys (reports:read) the whole tenant.';

export const pipeline = createRoute({
  method: 'get',
  path: '/pipeline',
  tags,
  security,
  summary: 'Deals per stage: count, amount and weighted amount, per currency',
  description: `Stages in position order; amounts in minor units per currency (never converted). ${scope}`,
  middleware: [authorize('reports', 'read')] as const,
  request: { query: pipelineQuery },
  responses: { 200: jsonContent(dataEnvelope(pipelineReportSchema), 'Pipeline report'), ...errorResponses(400, 401, 403, 404) },
});

export const funnel = createRoute({
  method: 'get',
  path: '/funnel',
  tags,
  security,
  summary: 'Lead conversion by source for leads created in a date range',
  description:
    'A lead has reached a step if its current status is that step or a later one, or it has been converted: contacted = ' +
    'contacted, qualified, unqualified or converted; qualified = qualified or converted; converted = status converted or a ' +
    `conversion time. Rates are fractions of the leads created (null when none). ${scope}`,
  middleware: [authorize('reports', 'read')] as const,
  request: { query: funnelQuery },
  responses: { 200: jsonContent(dataEnvelope(funnelReportSchema), 'Funnel report'), ...errorResponses(400, 401, 403) },
});

export const activity = createRoute({
  method: 'get',
  path: '/activity',
  tags,
  security,
  summary: 'Activities per user and type in a date range, and overdue open tasks per user',
  description: `Activities counted by creation time in the range; overdue tasks as of now. ${scope}`,
  middleware: [authorize('reports', 'read')] as const,
  request: { query: dateRangeQuery },
  responses: { 200: jsonContent(dataEnvelope(activityReportSchema), 'Activity report'), ...errorResponses(400, 401, 403) },
});
