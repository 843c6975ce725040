import { z } from '@hono/zod-openapi';
import { dealStatuses } from '../../db/schema/index.ts';
import { exampleIds } from '../crm/shared/fields.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RANGE_DAYS = 30;

const instant = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .optional()
  .openapi({ type: 'string', description: 'ISO date (YYYY-MM-DD, UTC) or date-time with offset' });

/**
 * `from` is inclusive, `to` exclusive; a date-only `to` includes that whole
 * UTC day. Defaults: the last 30 days up to now. `from` after `to` is a
 * validation error.
 */
export const dateRangeQuery = z.strictObject({ from: instant, to: instant, tenantId: z.string().max(64).optional() }).transform((q, ctx) => {
  const to = q.to ? (q.to.length === 10 ? new Date(Date.parse(q.to) + DAY_MS) : new Date(q.to)) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (from > to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must not be after to' });
  return { from, to };
});

export const rangeSchema = z.object({ from: z.string(), to: z.string() });
/** The default range (the last 30 days) as the examples show it. */
const exampleRange = { from: '2026-01-21T16:40:00.000Z', to: '2026-02-20T16:40:00.000Z' };

const moneySchema = z.object({
  currency: z.string(),
  count: z.number().int(),
  amount: z.number().openapi({ description: 'Sum of deal amounts, integer minor units' }),
  weightedAmount: z.number().openapi({ description: 'Sum of amount × stage probability / 100, minor units (up to 2 decimals)' }),
});

export const pipelineQuery = z.strictObject({
  pipelineId: z.uuid().optional().openapi({ description: "Default: the tenant's default pipeline" }),
  status: z
    .enum([...dealStatuses, 'all'])
    .default('open')
    .openapi({ description: 'Deals counted: open (default), won, lost or all' }),
  tenantId: z.string().max(64).optional(),
});

export const pipelineReportSchema = z
  .object({
    pipeline: z.object({ id: z.uuid(), name: z.string() }),
    status: z.string(),
    stages: z.array(
      z.object({ stageId: z.uuid(), name: z.string(), position: z.number().int(), probability: z.number().int(), byCurrency: z.array(moneySchema) }),
    ),
    totals: z.array(moneySchema),
  })
  .openapi('PipelineReport', {
    example: {
      pipeline: { id: exampleIds.pipeline, name: 'Sales' },
      status: 'open',
      stages: [
        {
          stageId: exampleIds.stages[0],
          name: 'Qualification',
          position: 1,
          probability: 10,
          byCurrency: [{ currency: 'EUR', count: 2, amount: 2_000_000, weightedAmount: 200_000 }],
        },
        {
          stageId: exampleIds.stages[1],
          name: 'Proposal',
          position: 2,
          probability: 50,
          byCurrency: [
            { currency: 'EUR', count: 1, amount: 1_250_000, weightedAmount: 625_000 },
            { currency: 'USD', count: 1, amount: 800_000, weightedAmount: 400_000 },
          ],
        },
        { stageId: exampleIds.stages[2], name: 'Negotiation', position: 3, probability: 80, byCurrency: [] },
      ],
      totals: [
        { currency: 'EUR', count: 3, amount: 3_250_000, weightedAmount: 825_000 },
        { currency: 'USD', count: 1, amount: 800_000, weightedAmount: 400_000 },
      ],
    },
  });

const funnelCounts = {
  created: z.number().int(),
  contacted: z.number().int(),
  qualified: z.number().int(),
  converted: z.number().int(),
  contactedRate: z.number().nullable(),
  qualifiedRate: z.number().nullable(),
  conversionRate: z.number().nullable(),
};

export const funnelQuery = z
  .strictObject({
    from: instant,
    to: instant,
    source: z.string().trim().min(1).max(200).optional().openapi({ description: 'Only leads of this source (exact, case-insensitive)' }),
    tenantId: z.string().max(64).optional(),
  })
  .transform((q, ctx) => {
    const range = dateRangeQuery.safeParse({ from: q.from, to: q.to });
    if (!range.success) {
      for (const issue of range.error.issues) ctx.addIssue({ code: 'custom', path: issue.path as string[], message: issue.message });
      return z.NEVER;
    }
    return { ...range.data, source: q.source };
  });

export const funnelReportSchema = z
  .object({
    range: rangeSchema,
    bySource: z.array(z.object({ source: z.string().nullable(), ...funnelCounts })),
    totals: z.object(funnelCounts),
  })
  .openapi('FunnelReport', {
    example: {
      range: exampleRange,
      bySource: [
        { source: 'web', created: 120, contacted: 84, qualified: 36, converted: 18, contactedRate: 0.7, qualifiedRate: 0.3, conversionRate: 0.15 },
        { source: 'referral', created: 30, contacted: 24, qualified: 15, converted: 9, contactedRate: 0.8, qualifiedRate: 0.5, conversionRate: 0.3 },
        { source: null, created: 6, contacted: 1, qualified: 0, converted: 0, contactedRate: 0.1667, qualifiedRate: 0, conversionRate: 0 },
      ],
      totals: { created: 156, contacted: 109, qualified: 51, converted: 27, contactedRate: 0.6987, qualifiedRate: 0.3269, conversionRate: 0.1731 },
    },
  });

export const activityReportSchema = z
  .object({
    range: rangeSchema,
    users: z.array(
      z.object({
        userId: z.uuid().nullable().openapi({ description: 'null: activities without an owner' }),
        name: z.string().nullable(),
        byType: z.record(z.string(), z.number().int()),
        total: z.number().int(),
        overdueTasks: z.number().int().openapi({ description: 'Open tasks (not completed) due before now, whatever the range' }),
      }),
    ),
  })
  .openapi('ActivityReport', {
    example: {
      range: exampleRange,
      users: [
        { userId: exampleIds.user, name: 'Ada Admin', byType: { call: 14, email: 31, meeting: 5, note: 9, task: 7 }, total: 66, overdueTasks: 2 },
        { userId: null, name: null, byType: { note: 3 }, total: 3, overdueTasks: 0 },
      ],
    },
  });
