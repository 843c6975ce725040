import { z } from '@hono/zod-openapi';
import { and, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Principal } from '../../../lib/context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { keysetPage, paginationQuery, type SortOrder } from '../../../lib/pagination.ts';

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
  filters: FilterSpec[];
  /** Sortable NOT NULL columns by their API name; `createdAt` must be among them. */
  sortable: Record<string, AnyPgColumn>;
  id: AnyPgColumn;
  /** The lower-cased, trigram-indexed text column `q` searches. */
  search: AnyPgColumn;
  /** Accept `cf.<key>=value` custom field filters (see customFieldFilters). */
  customFields?: boolean;
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

/** The filters, search, sort and keyset page of a validated list query. */
export function listQuery(spec: ListSpec, query: Record<string, unknown>, principal: Principal) {
  const conditions: (SQL | undefined)[] = [];
  for (const f of spec.filters) {
    if (f.kind === 'dateRange') {
      const from = query[`${f.param}From`] as string | undefined;
      const to = query[`${f.param}To`] as string | undefined;
      const asValue = (v: string) => (f.date ? v.slice(0, 10) : new Date(v));
      if (from) conditions.push(gte(f.column, asValue(from)));
      if (to) conditions.push(lte(f.column, asValue(to)));
      continue;
    }
    const value = query[f.param];
    if (value === undefined) continue;
    if (f.kind === 'enum') conditions.push(inArray(f.column, value as string[]));
    else if (f.kind === 'uuid') conditions.push(eq(f.column, value === 'me' ? principal.userId : (value as string)));
    else if (f.kind === 'flag') conditions.push(f.where(value === 'true'));
    else conditions.push(sql`lower(${f.column}) = ${(value as string).toLowerCase()}`);
  }
  if (typeof query.q === 'string') conditions.push(sql`${spec.search} like ${`%${escapeLike(query.q)}%`}`);

  const sort = String(query.sort ?? '-createdAt');
  const key = sort.replace(/^-/, '');
  const column = spec.sortable[key];
  if (!column) throw new ApiError('validation_error', 'Unknown sort field', [{ field: 'sort', message: 'not sortable' }]);
  const order: SortOrder = { key, column, id: spec.id, descending: sort.startsWith('-') };
  const filters = and(...conditions);
  const page = keysetPage(order, { limit: Number(query.limit ?? 25), cursor: query.cursor as string | undefined });
  return { filters, page, where: and(filters, page.where), withTotal: query.include === 'total' };
}
