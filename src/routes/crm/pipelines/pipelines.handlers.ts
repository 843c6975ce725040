import type { RouteHandler } from '@hono/zod-openapi';
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { deals, pipelines, stages } from '../../../db/schema/index.ts';
import type { Scoped } from '../../../db/scoped.ts';
import { audit } from '../../../lib/audit.ts';
import type { AppEnv } from '../../../lib/context.ts';
import { ApiError, notFound } from '../../../lib/errors.ts';
import { keysetPage, newestFirst } from '../../../lib/pagination.ts';
import { checkIfMatch, etagOf, stale, toApi } from '../shared/records.ts';
import { diff } from '../shared/resource.ts';
import type * as routes from './pipelines.routes.ts';
import type { StageUpdate } from './pipelines.schemas.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;
type PipelineRow = typeof pipelines.$inferSelect;
type StageRow = typeof stages.$inferSelect;

/** The API shape: the pipeline with its stages in order. */
function toPipeline(pipeline: PipelineRow, stageRows: StageRow[]) {
  return {
    ...(toApi(pipeline) as { id: string; name: string; isDefault: boolean; createdAt: string; updatedAt: string }),
    stages: stageRows
      .filter((st) => st.pipelineId === pipeline.id)
      .sort((a, b) => a.position - b.position)
      .map(({ id, name, probability, position }) => ({ id, name, probability, position })),
  };
}

const stagesOf = (s: Scoped, pipelineIds: string[]) => s.select(stages, { where: inArray(stages.pipelineId, pipelineIds), orderBy: [asc(stages.position)] });

/**
 * Every write that touches a pipeline's stages locks them first (ordered by
 * id, before the pipeline row), so concurrent edits queue instead of
 * deadlocking. A deal insert locks its stage too (see deals.prepare.ts), so a
 * concurrent deal either lands before the "is it in use" check (409 here) or
 * finds its stage gone (400 there), never a foreign-key failure half way.
 */
const lockStages = (s: Scoped, pipelineId: string): PromiseLike<StageRow[]> =>
  s.select(stages, { where: eq(stages.pipelineId, pipelineId), orderBy: [stages.id], lock: 'update' });

const audited = (c: Context<AppEnv>, s: Scoped, verb: string, id: string, changes: Record<string, unknown>) =>
  audit(c, s, { action: `pipeline.${verb}`, resourceType: 'pipeline', resourceId: id, changes });

/**
 * One default pipeline per tenant. Default changes are serialized per tenant
 * (a transaction-scoped advisory lock, taken before any row lock), so two
 * concurrent "make me default" requests cannot both win.
 */
async function makeSoleDefault(c: Context<AppEnv>, s: Scoped, self: string | null) {
  await s.q.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`pipelines.default:${s.tenantId}`}, 0))`);
  const others = await s
    .update(
      pipelines,
      { isDefault: false, version: sql`${pipelines.version} + 1`, updatedAt: new Date() },
      and(eq(pipelines.isDefault, true), self ? ne(pipelines.id, self) : undefined),
    )
    .returning({ id: pipelines.id });
  for (const other of others) await audited(c, s, 'updated', other.id, { before: { isDefault: true }, after: { isDefault: false } });
}

/** Applies a full stage list: kept ids are renamed/moved, new items added, missing ones removed (unless deals use them). */
async function replaceStages(s: Scoped, pipelineId: string, current: StageRow[], next: StageUpdate[]) {
  const byId = new Map(current.map((st) => [st.id, st]));
  next.forEach((st, i) => {
    if (st.id && !byId.has(st.id)) {
      throw new ApiError('validation_error', 'stages contains a stage of another pipeline', [
        { field: `stages.${i}.id`, message: 'not a stage of this pipeline' },
      ]);
    }
  });
  const kept = new Set(next.flatMap((st) => (st.id ? [st.id] : [])));
  const removed = current.filter((st) => !kept.has(st.id));
  if (removed.length) {
    const ids = removed.map((st) => st.id);
    const used = await s.q
      .selectDistinct({ stageId: deals.stageId })
      .from(deals)
      .where(s.where(deals, and(eq(deals.pipelineId, pipelineId), inArray(deals.stageId, ids))));
    if (used.length) {
      const names = removed.filter((st) => used.some((u) => u.stageId === st.id)).map((st) => `"${st.name}"`);
      throw new ApiError('conflict', `Stage ${names.join(', ')} still has deals; move them to another stage before removing it`, [
        { field: 'stages', message: `stages in use by deals: ${names.join(', ')}` },
      ]);
    }
    await s.delete(stages, inArray(stages.id, ids));
  }
  const now = new Date();
  for (const [i, st] of next.entries()) {
    const position = i + 1;
    const before = st.id ? byId.get(st.id) : undefined;
    if (!before) continue;
    if (before.name === st.name && before.probability === st.probability && before.position === position) continue;
    await s.update(stages, { name: st.name, probability: st.probability, position, updatedAt: now }, eq(stages.id, before.id));
  }
  const added = next.flatMap((st, i) => (st.id ? [] : [{ pipelineId, name: st.name, probability: st.probability, position: i + 1 }]));
  if (added.length) await s.insert(stages, added);
}

export const list: Handler<'list'> = async (c) => {
  const page = keysetPage(newestFirst(pipelines), c.req.valid('query'));
  const [rows, stageRows] = await c.get('tenantDb').transaction(async (s) => {
    const found = await s.select(pipelines, { where: page.where, orderBy: page.orderBy, limit: page.limit });
    return [
      found,
      found.length
        ? await stagesOf(
            s,
            found.map((p) => p.id),
          )
        : [],
    ] as const;
  });
  const { data, pagination } = page.page(rows);
  return c.json({ data: data.map((p) => toPipeline(p, stageRows)), pagination }, 200);
};

export const get: Handler<'get'> = async (c) => {
  const { id } = c.req.valid('param');
  const [rows, stageRows] = await c.get('tenantDb').batch((s) => [s.select(pipelines, { where: eq(pipelines.id, id), limit: 1 }), stagesOf(s, [id])] as const);
  const pipeline = rows[0];
  if (!pipeline) throw notFound('Pipeline');
  c.header('ETag', etagOf(pipeline));
  return c.json({ data: toPipeline(pipeline, stageRows) }, 200);
};

export const create: Handler<'create'> = async (c) => {
  const body = c.req.valid('json');
  const { row, out } = await c.get('tenantDb').transaction(async (s) => {
    if (body.isDefault) await makeSoleDefault(c, s, null);
    const [row] = await s.insert(pipelines, { name: body.name, isDefault: body.isDefault ?? false }).returning();
    if (!row) throw new Error('pipeline insert returned nothing');
    const stageRows = await s
      .insert(
        stages,
        body.stages.map((st, i) => ({ pipelineId: row.id, name: st.name, probability: st.probability, position: i + 1 })),
      )
      .returning();
    const out = toPipeline(row, stageRows);
    await audited(c, s, 'created', row.id, { after: out });
    return { row, out };
  });
  c.header('Location', `/api/pipelines/${row.id}`);
  c.header('ETag', etagOf(row));
  return c.json({ data: out }, 201);
};

export const update: Handler<'update'> = async (c) => {
  const { id } = c.req.valid('param');
  const { stages: nextStages, ...fields } = c.req.valid('json');
  const { row, out } = await c.get('tenantDb').transaction(async (s) => {
    const [existing] = await s.select(pipelines, { where: eq(pipelines.id, id), limit: 1 });
    if (!existing) throw notFound('Pipeline');
    checkIfMatch(c, existing);
    if (fields.isDefault && !existing.isDefault) await makeSoleDefault(c, s, id);
    const before = await lockStages(s, id);
    const [row] = await s
      .update(
        pipelines,
        { ...fields, version: existing.version + 1, updatedAt: new Date() },
        and(eq(pipelines.id, id), eq(pipelines.version, existing.version)),
      )
      .returning();
    if (!row) throw stale();
    if (nextStages) await replaceStages(s, id, before, nextStages);
    const after = nextStages ? await stagesOf(s, [id]) : before;
    const out = toPipeline(row, after);
    await audited(c, s, 'updated', id, diff(toPipeline(existing, before) as never, out as never));
    return { row, out };
  });
  c.header('ETag', etagOf(row));
  return c.json({ data: out }, 200);
};

export const remove: Handler<'remove'> = async (c) => {
  const { id } = c.req.valid('param');
  await c.get('tenantDb').transaction(async (s) => {
    const [existing] = await s.select(pipelines, { where: eq(pipelines.id, id), limit: 1 });
    if (!existing) throw notFound('Pipeline');
    checkIfMatch(c, existing);
    const before = toPipeline(existing, await lockStages(s, id));
    const [inUse] = await s.select(deals, { where: eq(deals.pipelineId, id), limit: 1 });
    if (inUse) throw new ApiError('conflict', `Pipeline "${existing.name}" still has deals; move or delete them first`);
    const deleted = await s.delete(pipelines, and(eq(pipelines.id, id), eq(pipelines.version, existing.version))).returning({ id: pipelines.id });
    if (!deleted.length) throw stale();
    await audited(c, s, 'deleted', id, { before });
  });
  return c.body(null, 204);
};
