import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Context } from 'hono';
import { activities, type relatedTypes } from '../../../db/schema/crm.ts';
import { type Role, users } from '../../../db/schema/index.ts';
import { type Scoped, send, type TenantTable } from '../../../db/scoped.ts';
import { ownRecordsOnly } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import type { AppEnv, Principal } from '../../../lib/context.ts';
import { ApiError, notFound } from '../../../lib/errors.ts';
import { deferEvent, type EventType } from '../../../lib/events.ts';
import { createRouter, dataEnvelope, errorResponses, jsonBody, jsonContent, uuidParam } from '../../../lib/openapi.ts';
import { paginationSchema } from '../../../lib/pagination.ts';
import { reserve } from '../../../lib/plan-limits.ts';
import { hasFeature, limitOfResource } from '../../../lib/plans.ts';
import { authenticate } from '../../../middleware/authenticate.ts';
import { authorize } from '../../../middleware/authorize.ts';
import { idempotency } from '../../../middleware/idempotency.ts';
import { normalizeActivities, type RecentActivity, recentActivitiesSql } from './activities-embed.ts';
import { type CustomFieldResource, customFieldDefinitionsOf, mergeCustomFields } from './custom-fields.ts';
import { exampleIds } from './fields.ts';
import { type FilterSpec, listQuery, listQuerySchema } from './list-query.ts';
import { apiColumnsOf, checkIfMatch, etagOf, stale, toApi } from './records.ts';
import { assertReferences, type Reference } from './references.ts';
import { assertUnique } from './unique.ts';

/** The columns every CRM table has. */
export type CrmTable = TenantTable & {
  id: AnyPgColumn;
  version: AnyPgColumn;
  createdAt: AnyPgColumn;
  updatedAt: AnyPgColumn;
  ownerId: AnyPgColumn;
  search: AnyPgColumn;
  customFields?: AnyPgColumn;
};
type Row = Record<string, unknown> & { id: string; version: number; ownerId: string | null };
type Input = Record<string, unknown>;

/**
 * The config of a resource; the schemas' types are parameters of their own (C, U, R) so that
 * they reach hono/client through the routes built from them.
 */
export interface CrmResourceConfig<
  T extends CrmTable,
  C extends z.ZodObject = z.ZodObject,
  U extends z.ZodObject = z.ZodObject,
  R extends z.ZodObject = z.ZodObject,
> {
  resource: 'leads' | 'contacts' | 'accounts' | 'deals' | 'activities';
  /** Singular name for docs, audit actions and schema names ("Lead"). */
  singular: string;
  table: T;
  schemas: { create: C; update: U; record: R };
  filters: FilterSpec[];
  sortable: Record<string, AnyPgColumn>;
  /** Roles that may change or delete only records they own (SPEC section 5). */
  ownOnlyRoles: Role[];
  customFields?: CustomFieldResource;
  /**
   * For columns the API presents differently: reshapes a row already in the API's form (toApi's output, or a
   * list row read that way); also what audit snapshots and events hold. Default: as it is.
   */
  serialize?: (row: Record<string, unknown>) => Record<string, unknown>;
  /** GET /{id} embeds recent activities related to the record. */
  embedActivities?: (typeof relatedTypes)[number];
  /** Other records the input names (besides ownerId), checked to exist in the caller's tenant: a contact's accountId. */
  references?: (input: Input) => Reference[];
  /** A column unique per tenant, case-insensitively like its index: a clash is a 409 naming the field. */
  unique?: { field: string; column: AnyPgColumn };
  /** Columns derived from the input alone, no database answer needed (activities: relatedTo to relatedType/relatedId). */
  columns?: (input: Input) => Input;
  /**
   * Columns that need database answers before the write (deals: pipeline and
   * stage placement): receives the validated input (and the current row on
   * update), returns the columns to write. The write waits for it, which costs
   * a round trip; resources that can do without one use `columns`.
   */
  prepare?: (ctx: { s: Scoped; c: Context<AppEnv>; input: Input; existing: Row | null }) => Promise<Input>;
  /** Webhook events an update raises besides `<resource>.updated` (deals: stage_changed, won, lost). */
  updateEvents?: (before: Row, after: Row) => EventType[];
}

const ownerField = (input: Input) => input.ownerId as string | null | undefined;

function assertOwnership(principal: Principal, roles: Role[], row: Row | null, input: Input) {
  if (!ownRecordsOnly(principal, roles)) return;
  if (row && row.ownerId !== principal.userId) {
    throw new ApiError('insufficient_permissions', 'Your role can change only records you own');
  }
  const owner = ownerField(input);
  if (owner !== undefined && owner !== principal.userId) {
    throw new ApiError('insufficient_permissions', 'Your role cannot assign records to other users');
  }
}

/** How a row already in the API's form is shown: the resource's `serialize`, or as it is. */
export const presenterOf = (config: Pick<CrmResourceConfig<CrmTable>, 'serialize'>) => config.serialize ?? ((row: Record<string, unknown>) => row);

export const listSpecOf = <T extends CrmTable>(config: CrmResourceConfig<T>) => ({
  columns: apiColumnsOf(config.table),
  filters: config.filters,
  sortable: config.sortable,
  id: config.table.id,
  search: config.table.search,
  customFields: config.customFields ? config.table.customFields : undefined,
});

/** One entry of `recentActivities` as GET /{id} returns it (src/routes/crm/shared/activities-embed.ts). */
const recentActivityExample = {
  id: exampleIds.activity,
  type: 'call',
  subject: 'Discovery call',
  body: 'Budget approved; send the proposal.',
  dueAt: '2026-03-01T09:00:00+00:00',
  completedAt: '2026-03-01T09:45:00+00:00',
  ownerId: exampleIds.user,
  createdAt: '2026-02-26T14:05:00+00:00',
};

/**
 * The five CRUD routes of a CRM resource. A function of the resource's
 * schemas, so each resource's router type (CrudRouter) is computed where they
 * are concrete: hono/client then knows every field of every resource.
 */
export function crmRoutes<T extends CrmTable, C extends z.ZodObject, U extends z.ZodObject, R extends z.ZodObject>(config: CrmResourceConfig<T, C, U, R>) {
  const { resource, singular } = config;
  const tags = [resource[0]?.toUpperCase() + resource.slice(1)];
  const record = config.schemas.record;
  const recentActivities = z.array(z.record(z.string(), z.unknown()));
  // extend() copies the record's example; the detail's adds the embedded activities.
  const recordExample = record.meta()?.example as Record<string, unknown> | undefined;
  // extend() on a type parameter would lose the record's fields: the cast names the result's type.
  const detail = config.embedActivities
    ? (record
        .extend({ recentActivities })
        .openapi({ example: recordExample && { ...recordExample, recentActivities: [recentActivityExample] } }) as unknown as z.ZodObject<
        R['shape'] & { recentActivities: typeof recentActivities }
      >)
    : record;
  const listSpec = listSpecOf(config);
  const action = singular.toLowerCase();
  const aAction = `${/^[aeiou]/.test(action) ? 'an' : 'a'} ${action}`;
  return {
    list: createRoute({
      method: 'get',
      path: '/',
      tags,
      summary: `List ${resource}`,
      ...(config.customFields && {
        description:
          'Custom fields (Enterprise): `cf.<key>=value` keeps records whose custom field `<key>` equals the value (or, for a multiselect, includes it); repeat with other keys to combine.',
      }),
      middleware: [authorize(resource, 'read')] as const,
      request: { query: listQuerySchema(listSpec) },
      responses: {
        200: jsonContent(z.object({ data: z.array(record), pagination: paginationSchema }), `A page of ${resource}`),
        ...errorResponses(400, 401, 403),
      },
    }),
    create: createRoute({
      method: 'post',
      path: '/',
      tags,
      summary: `Create ${aAction}`,
      middleware: [authorize(resource, 'write')] as const,
      request: { body: jsonBody(config.schemas.create) },
      responses: { 201: jsonContent(dataEnvelope(record), `The created ${action}`), ...errorResponses(400, 401, 402, 403, 409, 422) },
    }),
    get: createRoute({
      method: 'get',
      path: '/{id}',
      tags,
      summary: `Get ${aAction}${config.embedActivities ? ' with its recent activities' : ''}`,
      middleware: [authorize(resource, 'read')] as const,
      request: { params: uuidParam },
      responses: { 200: jsonContent(dataEnvelope(detail), `The ${action}`), ...errorResponses(400, 401, 403, 404) },
    }),
    update: createRoute({
      method: 'patch',
      path: '/{id}',
      tags,
      summary: `Update ${aAction}`,
      description: 'Send `If-Match` with the ETag you read to avoid overwriting a concurrent change (412 when stale).',
      middleware: [authorize(resource, 'write')] as const,
      request: { params: uuidParam, body: jsonBody(config.schemas.update) },
      responses: { 200: jsonContent(dataEnvelope(record), `The updated ${action}`), ...errorResponses(400, 401, 403, 404, 409, 412) },
    }),
    remove: createRoute({
      method: 'delete',
      path: '/{id}',
      tags,
      summary: `Delete ${aAction}`,
      middleware: [authorize(resource, 'delete')] as const,
      request: { params: uuidParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 412) },
    }),
  };
}

declare const anyRouter: OpenAPIHono<AppEnv>;
/** The typed router of a resource's CRUD routes, as the chain of `.openapi()` calls would type it. */
type CrudRouter<R extends ReturnType<typeof crmRoutes>> = ReturnType<
  typeof anyRouter.openapiRoutes<
    readonly [
      { route: R['list']; handler: never },
      { route: R['create']; handler: never },
      { route: R['get']; handler: never },
      { route: R['update']; handler: never },
      { route: R['remove']; handler: never },
    ]
  >
>;

/**
 * Builds the five CRUD routes of a CRM resource (list, create, get, update,
 * delete) with one implementation of filtering, keyset pagination, ownership,
 * references, custom fields, ETag/If-Match, idempotency and audit. Resource
 * specifics come in through the config; extra routes go on the returned router.
 */
export function crmResource<T extends CrmTable, C extends z.ZodObject, U extends z.ZodObject, R extends z.ZodObject>(
  config: CrmResourceConfig<T, C, U, R>,
): CrudRouter<ReturnType<typeof crmRoutes<T, C, U, R>>> {
  const { table, resource, singular } = config;
  const routes = crmRoutes(config);
  const listSpec = listSpecOf(config);
  const present = presenterOf(config);
  const show = (row: Row) => present(toApi(row));
  const action = singular.toLowerCase();
  const countedLimit = limitOfResource[resource];

  /** Checks that need no database: ownership of the input, and the custom-fields feature. */
  function assertAllowed(principal: Principal, input: Input, existing: Row | null) {
    assertOwnership(principal, config.ownOnlyRoles, existing, input);
    // A tenant that left Enterprise keeps its stored values (read-only) but its definitions no longer apply.
    if (config.customFields && input.customFields !== undefined && !hasFeature(principal.tenant.plan, 'customFields')) {
      throw new ApiError('plan_feature_unavailable', 'Your plan does not include custom fields; upgrade to Enterprise');
    }
  }

  /** The tenant's custom-field definitions apply to this resource (the feature is in the plan). */
  const customFieldsOf = (principal: Principal) => (config.customFields && hasFeature(principal.tenant.plan, 'customFields') ? config.customFields : undefined);

  /**
   * The checks against other rows (owner and other references, uniqueness), all sent at once and read in
   * order: one round trip, shared with whatever is sent behind them. A failure throws, which rolls back
   * any write already sent behind them.
   */
  function sendChecks(s: Scoped, input: Input, id: string | null): Promise<void> {
    const references = assertReferences(s, [['ownerId', users, ownerField(input)], ...(config.references?.(input) ?? [])]);
    const unique = config.unique ? assertUnique(s, table, config.unique.field, config.unique.column, input[config.unique.field], id) : null;
    unique?.catch(() => {});
    return references.then(() => unique ?? undefined);
  }

  /**
   * Without a `prepare` hook or custom-field values to merge, the columns to write follow from the input
   * alone: the write is sent right behind its checks instead of after their answers, so checks and write
   * share one round trip. Checks are still read first, so errors are the ones the checks give.
   */
  const writesWithoutAnswers = (input: Input) => !config.prepare && input.customFields === undefined;
  const columnsOf = (input: Input) => (config.columns ? config.columns(input) : { ...input });

  const router = createRouter();
  router.use('*', authenticate, idempotency);

  router.openapi(routes.list, (async (c: Context<AppEnv>) => {
    const query = (c.req as unknown as { valid(t: 'query'): Input }).valid('query');
    const q = listQuery(listSpec, query, c.get('principal'));
    // Rows come in the API's form (q.statement reads the shown columns, timestamps as ISO text).
    const [rows, totals] = (await c
      .get('tenantDb')
      .batch((s) => [s.selectShaped(table, q.statement), ...(q.withTotal ? [s.count(table, q.filters())] : [])])) as [
      Record<string, unknown>[],
      { n: number }[] | undefined,
    ];
    const { data, pagination } = q.page.page(rows);
    return c.json({ data: data.map(present), pagination: totals ? { ...pagination, total: Number(totals[0]?.n ?? 0) } : pagination }, 200);
  }) as never);

  router.openapi(routes.get, (async (c: Context<AppEnv>) => {
    const { id } = (c.req as unknown as { valid(t: 'param'): { id: string } }).valid('param');
    const [rows] = await c.get('tenantDb').batch(
      (s) =>
        [
          s.select(table, {
            where: eq(table.id, id),
            limit: 1,
            extra: config.embedActivities ? { recentActivities: recentActivitiesSql(config.embedActivities, table) } : undefined,
          }),
        ] as const,
    );
    const row = rows[0] as (Row & { recentActivities?: RecentActivity[] }) | undefined;
    if (!row) throw notFound(singular);
    c.header('ETag', etagOf(row));
    const body = show(row);
    if (row.recentActivities) body.recentActivities = normalizeActivities(row.recentActivities);
    return c.json({ data: body }, 200);
  }) as never);

  router.openapi(routes.create, (async (c: Context<AppEnv>) => {
    const input = (c.req as unknown as { valid(t: 'json'): Input }).valid('json');
    const principal = c.get('principal');
    const created = await c.get('tenantDb').transaction(async (s) => {
      const owned: Input = { ownerId: principal.userId, ...input };
      assertAllowed(principal, owned, null);
      const checks = sendChecks(s, owned, null);
      const cf = customFieldsOf(principal);
      // Read even without values: a create must supply the required fields.
      const definitions = cf ? send(customFieldDefinitionsOf(s, cf)) : null;
      const room = countedLimit ? reserve(s, countedLimit) : null;
      room?.catch(() => {});
      let row: Row | undefined;
      if (writesWithoutAnswers(owned)) {
        // What the custom-field check would merge for a create without values: nothing.
        const inserted = send(s.insert(table, { ...columnsOf(owned), ...(cf && { customFields: {} }) } as never).returning());
        await checks;
        if (definitions) await mergeCustomFields(definitions, undefined, null);
        await room;
        [row] = (await inserted) as Row[];
      } else {
        // Sent before the checks are read, so its queries share their round trip.
        const prepared = config.prepare?.({ s, c, input: owned, existing: null });
        prepared?.catch(() => {});
        await checks;
        const values = prepared ? await prepared : columnsOf(owned);
        if (definitions) values.customFields = await mergeCustomFields(definitions, owned.customFields as Input | undefined, null);
        await room;
        [row] = (await s.insert(table, values as never).returning()) as Row[];
      }
      if (!row) throw new Error(`${resource} insert returned nothing`);
      s.defer(audit(c, s, { action: `${action}.created`, resourceType: action, resourceId: row.id, changes: { after: show(row) } }));
      deferEvent(s, `${action}.created` as EventType, show(row));
      return row;
    });
    c.header('Location', `/api/${resource}/${created.id}`);
    c.header('ETag', etagOf(created));
    return c.json({ data: show(created) }, 201);
  }) as never);

  router.openapi(routes.update, (async (c: Context<AppEnv>) => {
    const { id } = (c.req as unknown as { valid(t: 'param'): { id: string } }).valid('param');
    const input = (c.req as unknown as { valid(t: 'json'): Input }).valid('json');
    const updated = await c.get('tenantDb').transaction(async (s) => {
      const principal = c.get('principal');
      // Locked so concurrent writers queue: without If-Match the later one applies on top (last write wins),
      // with a stale If-Match it sees the new version and gets 412.
      const locked = send(s.select(table, { where: eq(table.id, id), limit: 1, lock: 'no key update' }));
      const checks = sendChecks(s, input, id);
      const cf = input.customFields !== undefined ? customFieldsOf(principal) : undefined;
      const definitions = cf ? send(customFieldDefinitionsOf(s, cf)) : null;
      // Runs after the lock on the server, so the row is the one just read: the version predicate is implied.
      const speculative = writesWithoutAnswers(input)
        ? send(s.update(table, { ...columnsOf(input), version: sql`${table.version} + 1`, updatedAt: new Date() } as never, eq(table.id, id)).returning())
        : null;
      const [existing] = (await locked) as Row[];
      if (!existing) throw notFound(singular);
      checkIfMatch(c, existing);
      assertAllowed(principal, input, existing);
      let row: Row | undefined;
      if (speculative) {
        await checks;
        [row] = (await speculative) as Row[];
      } else {
        const prepared = config.prepare?.({ s, c, input, existing });
        prepared?.catch(() => {});
        await checks;
        const values = prepared ? await prepared : columnsOf(input);
        if (definitions) values.customFields = await mergeCustomFields(definitions, input.customFields as Input, (existing.customFields as Input) ?? {});
        [row] = (await s
          .update(
            table,
            { ...values, version: existing.version + 1, updatedAt: new Date() } as never,
            and(eq(table.id, id), eq(table.version, existing.version)),
          )
          .returning()) as Row[];
      }
      if (!row) throw stale();
      s.defer(audit(c, s, { action: `${action}.updated`, resourceType: action, resourceId: id, changes: diff(existing, row, show) }));
      for (const type of [`${action}.updated` as EventType, ...(config.updateEvents?.(existing, row) ?? [])]) deferEvent(s, type, show(row));
      return row;
    });
    c.header('ETag', etagOf(updated));
    return c.json({ data: show(updated) }, 200);
  }) as never);

  router.openapi(routes.remove, (async (c: Context<AppEnv>) => {
    const { id } = (c.req as unknown as { valid(t: 'param'): { id: string } }).valid('param');
    await c.get('tenantDb').transaction(async (s) => {
      // Locked like update: a second concurrent delete then finds nothing (404), not a version clash.
      // The deletes run after the lock on the server and are rolled back if a check below fails.
      const locked = send(s.select(table, { where: eq(table.id, id), limit: 1, lock: 'update' }));
      const deleted = send(s.delete(table, eq(table.id, id)).returning({ id: table.id }));
      // The record's activities go with it: nothing may point at a deleted record.
      const related = config.embedActivities
        ? send(s.delete(activities, and(eq(activities.relatedType, config.embedActivities), eq(activities.relatedId, id))).returning({ id: activities.id }))
        : null;
      const [existing] = (await locked) as Row[];
      if (!existing) throw notFound(singular);
      checkIfMatch(c, existing);
      assertOwnership(c.get('principal'), config.ownOnlyRoles, existing, {});
      if (!(await deleted).length) throw stale();
      const activitiesDeleted = related ? (await related).length : 0;
      s.defer(
        audit(c, s, {
          action: `${action}.deleted`,
          resourceType: action,
          resourceId: id,
          changes: { before: show(existing), activitiesDeleted },
        }),
      );
      deferEvent(s, `${action}.deleted` as EventType, show(existing));
    });
    return c.body(null, 204);
  }) as never);

  // The routes registered above, typed from the concrete schemas (CrudRouter).
  return router as unknown as CrudRouter<ReturnType<typeof crmRoutes<T, C, U, R>>>;
}

/** Before/after of the fields that changed. */
export function diff(before: Row, after: Row, show: (row: Row) => Record<string, unknown> = toApi) {
  const a = show(before);
  const b = show(after);
  const changed = Object.keys(b).filter((k) => k !== 'updatedAt' && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  return {
    before: Object.fromEntries(changed.map((k) => [k, a[k]])),
    after: Object.fromEntries(changed.map((k) => [k, b[k]])),
  };
}
