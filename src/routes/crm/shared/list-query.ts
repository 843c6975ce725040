import { z } from '@hono/zod-openapi';
import { and, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { ShapedSelect } from '../../../db/scoped.ts';
import type { Principal } from '../../../lib/context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { afterCursor, keysetPage, paginationQuery, type SortOrder } from '../../../lib/pagination.ts';

/** A list filter a resource offers; the query parameters follow from its kind. */
export type FilterSpec =
  /** `?status=new,contacted` */
  | { kind: 'enum'; param: string; column: AnyPgColumn; values: readonly [string, ...string[]] }
  /** `?ownerId=<uuid>` (`me` for the caller on ownerId) */
  | { kind: 'uuid'; param: string; column: AnyPgColumn }
  /** `?source=web`, exact and case-insensitive */
  | { kind: 'text'; param: string; column: AnyPgColumn }
  /** `?createdAtFrom=...&createdAtTo=...` (inclusive) */
  | { kind: 'dateRange'; param: string; column: AnyPgColumn; date?: boolean }
  /** `?completed=true|false`: the resource says what each answer means */
  | { kind: 'flag'; param: string; where: (on: boolean) => SQL; description: string };

export interface ListSpec {
  /** The columns a page reads (property names): the ones the API shows. */
  columns: readonly string[];
  filters: FilterSpec[];
  /** Sortable NOT NULL columns by their API name; `createdAt` must be among them. */
  sortable: Record<string, AnyPgColumn>;
  id: AnyPgColumn;
  /** The lower-cased, trigram-indexed text column `q` searches. */
  search: AnyPgColumn;
  /** The jsonb column `cf.<key>=value` filters look in (equal to a scalar value, or contained in a multiselect). */
  customFields?: AnyPgColumn;
}

/** The only query parameters outside the declared ones a list accepts: a custom field filter per key. */
const CUSTOM_FIELD_PARAM = /^cf\.[a-z][a-z0-9_]{0,39}$/;

const csvOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(values)).min(1));

const isoDateTime = z.iso.datetime({ offset: true }).or(z.iso.date());

/** The query schema of a list endpoint: pagination, sort, q, include, and one entry per filter. */
export function listQuerySchema(spec: ListSpec) {
  const sortKeys = Object.keys(spec.sortable);
  const sortValues = [...sortKeys, ...sortKeys.map((k) => `-${k}`)] as [string, ...string[]];
  const shape: Record<string, z.ZodType> = {
    sort: z.enum(sortValues).default('-createdAt').openapi({ description: 'Field to sort by; prefix with - for descending' }),
    q: z.string().trim().min(1).max(200).optional().openapi({ description: 'Search names, email, company' }),
    include: z.literal('total').optional().openapi({ description: '`total` adds pagination.total' }),
    tenantId: z.string().max(64).optional().openapi({ description: 'Tenant hint (slug or id); must match the credential' }),
  };
  for (const f of spec.filters) {
    if (f.kind === 'enum')
      shape[f.param] = csvOf(f.values)
        .optional()
        .openapi({ type: 'string', description: `One or more of ${f.values.join(', ')} (comma-separated)` });
    else if (f.kind === 'uuid') shape[f.param] = (f.param === 'ownerId' ? z.uuid().or(z.literal('me')) : z.uuid()).optional();
    else if (f.kind === 'text') shape[f.param] = z.string().trim().min(1).max(200).optional();
    else if (f.kind === 'flag') shape[f.param] = z.enum(['true', 'false']).optional().openapi({ description: f.description });
    else {
      shape[`${f.param}From`] = isoDateTime.optional();
      shape[`${f.param}To`] = isoDateTime.optional();
    }
  }
  const schema = paginationQuery.extend(shape);
  if (!spec.customFields) return schema.strict();
  // Still an allow-list: unknown parameters are refused unless they name a custom field.
  return schema.catchall(z.string().max(200)).superRefine((query, ctx) => {
    for (const key of Object.keys(query)) {
      if (!(key in schema.shape) && !CUSTOM_FIELD_PARAM.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'unknown field' });
    }
  });
}

const escapeLike = (v: string) => v.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`);

/** How a condition takes a value: bound in place, or as a named placeholder (a statement compiled per shape). */
type Bind = (name: string, value: unknown, column?: AnyPgColumn) => unknown;

/**
 * The filters, search, sort and keyset page of a validated list query. `statement` is the page's select,
 * compiled once per shape (Scoped.selectShaped); `filters()` the same conditions with their values bound,
 * for a count.
 */
export function listQuery(spec: ListSpec, query: Record<string, unknown>, principal: Principal) {
  const sort = String(query.sort ?? '-createdAt');
  const key = sort.replace(/^-/, '');
  const column = spec.sortable[key];
  if (!column) throw new ApiError('validation_error', 'Unknown sort field', [{ field: 'sort', message: 'not sortable' }]);
  const order: SortOrder = { key, column, id: spec.id, descending: sort.startsWith('-') };
  const page = keysetPage(order, { limit: Number(query.limit ?? 25), cursor: query.cursor as string | undefined });

  /** The conditions, each value passed through `bind`; `shape` collects what changes the SQL text. */
  const conditionsWith = (bind: Bind, shape: string[] = []) => {
    const conditions: (SQL | undefined)[] = [];
    for (const f of spec.filters) {
      if (f.kind === 'dateRange') {
        for (const [end, compare] of [
          ['From', gte],
          ['To', lte],
        ] as const) {
          const raw = query[`${f.param}${end}`] as string | undefined;
          if (!raw) continue;
          shape.push(`${f.param}${end}`);
          conditions.push(compare(f.column, bind(`${f.param}${end}`, f.date ? raw.slice(0, 10) : new Date(raw), f.column)));
        }
        continue;
      }
      const value = query[f.param];
      if (value === undefined) continue;
      if (f.kind === 'enum') {
        const values = value as string[];
        shape.push(`${f.param}:${values.length}`);
        conditions.push(
          inArray(
            f.column,
            values.map((v, i) => bind(`${f.param}.${i}`, v, f.column)),
          ),
        );
      } else if (f.kind === 'uuid') {
        shape.push(f.param);
        conditions.push(eq(f.column, bind(f.param, value === 'me' ? principal.userId : value, f.column)));
      } else if (f.kind === 'flag') {
        shape.push(`${f.param}=${value}`);
        conditions.push(f.where(value === 'true'));
      } else {
        shape.push(f.param);
        conditions.push(sql`lower(${f.column}) = ${bind(f.param, (value as string).toLowerCase())}`);
      }
    }
    if (typeof query.q === 'string') {
      shape.push('q');
      conditions.push(sql`${spec.search} like ${bind('q', `%${escapeLike(query.q)}%`)}`);
    }
    if (spec.customFields) {
      // cf.<key> names come from the request; the key is a value too, so a new key is not a new shape.
      const fields = Object.keys(query).filter((k) => k.startsWith('cf.'));
      shape.push(`cf:${fields.length}`);
      fields.forEach((k, i) => {
        const [name, value] = [bind(`cf.${i}.key`, k.slice(3)), bind(`cf.${i}.value`, String(query[k]))];
        conditions.push(sql`(${spec.customFields} ->> ${name} = ${value} or ${spec.customFields} -> ${name} ? ${value})`);
      });
    }
    return conditions;
  };

  const values: Record<string, unknown> = {};
  const shape = [sort, page.cursor ? 'after' : 'first'];
  const placeholder: Bind = (name, value, column) => {
    values[name] = value;
    return column ? sql.param(sql.placeholder(name), column) : sql.placeholder(name);
  };
  const conditions = conditionsWith(placeholder, shape);
  if (page.cursor) {
    values.cursorValue = page.cursor.value;
    values.cursorId = page.cursor.id;
  }
  values.limit = page.limit;
  const statement: ShapedSelect = {
    shape: shape.join('&'),
    build: () => ({
      where: and(...conditions, page.cursor ? afterCursor(order, sql.placeholder('cursorValue'), sql.placeholder('cursorId')) : undefined),
      orderBy: page.orderBy,
      limit: sql.placeholder('limit'),
    }),
    values,
    // The page is the response: the shown columns only, timestamps as the API writes them.
    columns: spec.columns,
    isoTimestamps: true,
  };
  const bound: Bind = (_name, value, column) => (column ? sql.param(value, column) : sql.param(value));
  return { page, statement, filters: () => and(...conditionsWith(bound)), withTotal: query.include === 'total' };
}
