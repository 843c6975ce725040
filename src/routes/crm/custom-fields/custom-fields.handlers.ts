import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import { accounts, contacts, deals, customFieldDefinitions as defs, leads } from '../../../db/schema/index.ts';
import type { Scoped } from '../../../db/scoped.ts';
import { audit } from '../../../lib/audit.ts';
import type { AppEnv } from '../../../lib/context.ts';
import { ApiError, notFound } from '../../../lib/errors.ts';
import { keysetPage, type SortOrder } from '../../../lib/pagination.ts';
import { checkIfMatch, etagOf, stale } from '../shared/records.ts';
import type * as routes from './custom-fields.routes.ts';
import { needsOptions, optionsProblem } from './custom-fields.schemas.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;
type Definition = typeof defs.$inferSelect;

const recordTables = { leads, contacts, accounts, deals };
/** Definitions read in the order they were made, as a form lists them. */
const oldestFirst: SortOrder = { key: 'createdAt', column: defs.createdAt, id: defs.id, descending: false };

const toField = (d: Definition) => ({
  id: d.id,
  resource: d.resource,
  key: d.key,
  label: d.label,
  type: d.type,
  options: d.options,
  required: d.required,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

const conflict = (field: string, message: string) => new ApiError('conflict', message, [{ field, message }]);

async function findDefinition(s: Scoped, id: string): Promise<Definition> {
  const [row] = await s.select(defs, { where: eq(defs.id, id), limit: 1 });
  if (!row) throw notFound('Custom field');
  return row;
}

async function assertKeyFree(s: Scoped, resource: Definition['resource'], key: string) {
  const [taken] = await s.select(defs, { where: and(eq(defs.resource, resource), eq(defs.key, key)), limit: 1 });
  if (taken) throw conflict('key', `The ${resource} custom field "${key}" already exists`);
}

/** Whether any record of the definition's resource holds a value for it (and matches `where`). */
async function hasValues(s: Scoped, def: Definition, where?: (column: SQL) => SQL): Promise<boolean> {
  const table = recordTables[def.resource];
  const value = sql`(${table.customFields} -> ${def.key}::text)`;
  const [row] = await s.select(table, { where: and(sql`${table.customFields} ? ${def.key}::text`, where?.(value)), limit: 1 });
  return row !== undefined;
}

export const list: Handler<'list'> = async (c) => {
  const query = c.req.valid('query');
  const page = keysetPage(oldestFirst, query);
  const where = and(page.where, query.resource ? eq(defs.resource, query.resource) : undefined);
  const [rows] = await c.get('tenantDb').batch((s) => [s.select(defs, { where, orderBy: page.orderBy, limit: page.limit })] as const);
  const { data, pagination } = page.page(rows);
  return c.json({ data: data.map(toField), pagination }, 200);
};

export const get: Handler<'get'> = async (c) => {
  const { id } = c.req.valid('param');
  const [rows] = await c.get('tenantDb').batch((s) => [s.select(defs, { where: eq(defs.id, id), limit: 1 })] as const);
  if (!rows[0]) throw notFound('Custom field');
  c.header('ETag', etagOf(rows[0]));
  return c.json({ data: toField(rows[0]) }, 200);
};

export const create: Handler<'create'> = async (c) => {
  const body = c.req.valid('json');
  const created = await c.get('tenantDb').transaction(async (s) => {
    await assertKeyFree(s, body.resource, body.key);
    const [row] = await s.insert(defs, { ...body, options: body.options ?? null }).returning();
    if (!row) throw new Error('custom field insert returned nothing');
    await audit(c, s, { action: 'custom_field.created', resourceType: 'custom_field', resourceId: row.id, changes: { after: toField(row) } });
    return row;
  });
  c.header('Location', `/api/custom-fields/${created.id}`);
  c.header('ETag', etagOf(created));
  return c.json({ data: toField(created) }, 201);
};

/**
 * Label and required always change; options too, unless a stored value uses
 * one being removed; key and type only while no record holds a value (stored
 * values would silently stop matching their definition otherwise).
 */
export const update: Handler<'update'> = async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const updated = await c.get('tenantDb').transaction(async (s) => {
    const existing = await findDefinition(s, id);
    checkIfMatch(c, existing);
    const key = body.key ?? existing.key;
    const type = body.type ?? existing.type;
    // Moving to a type without options drops the old ones; sending options with such a type is an error.
    const options = body.options !== undefined ? body.options : needsOptions(type) ? existing.options : null;
    const problem = optionsProblem(type, options);
    if (problem) throw new ApiError('validation_error', problem, [{ field: 'options', message: problem }]);
    if (key !== existing.key) await assertKeyFree(s, existing.resource, key);
    if ((key !== existing.key || type !== existing.type) && (await hasValues(s, existing))) {
      const field = key !== existing.key ? 'key' : 'type';
      throw conflict(field, `Records hold values for "${existing.key}", so its ${field} cannot change`);
    }
    if (body.options && needsOptions(type) && (await hasValues(s, existing, (v) => sql`not (${JSON.stringify(body.options)}::jsonb @> ${v})`))) {
      throw conflict('options', 'Stored values use an option this change removes');
    }
    const [row] = await s
      .update(
        defs,
        {
          key,
          type,
          options,
          label: body.label ?? existing.label,
          required: body.required ?? existing.required,
          version: existing.version + 1,
          updatedAt: new Date(),
        },
        and(eq(defs.id, id), eq(defs.version, existing.version)),
      )
      .returning();
    if (!row) throw stale();
    await audit(c, s, {
      action: 'custom_field.updated',
      resourceType: 'custom_field',
      resourceId: id,
      changes: { before: toField(existing), after: toField(row) },
    });
    return row;
  });
  c.header('ETag', etagOf(updated));
  return c.json({ data: toField(updated) }, 200);
};

/** The definition and every stored value for it go in one transaction. */
export const remove: Handler<'remove'> = async (c) => {
  const { id } = c.req.valid('param');
  await c.get('tenantDb').transaction(async (s) => {
    const existing = await findDefinition(s, id);
    checkIfMatch(c, existing);
    const deleted = await s.delete(defs, and(eq(defs.id, id), eq(defs.version, existing.version))).returning({ id: defs.id });
    if (!deleted.length) throw stale();
    const table = recordTables[existing.resource];
    const stripped = await s
      .update(
        table,
        { customFields: sql`${table.customFields} - ${existing.key}::text`, version: sql`${table.version} + 1`, updatedAt: new Date() },
        sql`${table.customFields} ? ${existing.key}::text`,
      )
      .returning({ id: table.id });
    await audit(c, s, {
      action: 'custom_field.deleted',
      resourceType: 'custom_field',
      resourceId: id,
      changes: { before: toField(existing), valuesRemovedFrom: stripped.length },
    });
  });
  return c.body(null, 204);
};
