import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { inArray, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Context } from 'hono';
import { users } from '../../../db/schema/index.ts';
import type { Scoped } from '../../../db/scoped.ts';
import { ownRecordsOnly } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import type { AppEnv, Principal } from '../../../lib/context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { type EventType, emitEvent } from '../../../lib/events.ts';
import { dataEnvelope, errorResponses, groupDigits, jsonContent } from '../../../lib/openapi.ts';
import { fitToLimit } from '../../../lib/plan-limits.ts';
import { hasFeature, limitOfResource } from '../../../lib/plans.ts';
import { authenticate } from '../../../middleware/authenticate.ts';
import { authorize } from '../../../middleware/authorize.ts';
import { idempotency } from '../../../middleware/idempotency.ts';
import type { BulkConfig, IdTable } from './bulk.ts';
import { checkCustomFields, customFieldDefinitionsOf } from './custom-fields.ts';
import { csvRows } from './import-csv.ts';
import type { Reference } from './references.ts';
import type { CrmTable } from './resource.ts';

export const MAX_IMPORT_ROWS = 10_000;
/** Rows per INSERT ... ON CONFLICT statement (and per lookup), well under Postgres's 65,535 parameters. */
const BATCH = 500;

type Row = Record<string, unknown> & { id: string; version: number; ownerId: string | null };
type Input = Record<string, unknown>;
/** `row` is the 1-based position of the record in the import (the CSV header is not counted). */
export interface ImportError {
  row: number;
  field: string;
  message: string;
}
interface Planned {
  row: number;
  values: Input;
  /** The record this row updates, or null for a new one. */
  updates: string | null;
}

const importResult = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    failed: z.number().int(),
    errors: z.array(z.object({ row: z.number().int(), field: z.string(), message: z.string() })),
  })
  .openapi('ImportResult', {
    example: { created: 2, updated: 1, failed: 1, errors: [{ row: 4, field: 'email', message: 'valid email is required' }] },
  });

const chunks = <T>(items: T[], size = BATCH) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Zod issues of one row as import errors. */
function rowErrors(row: number, issues: z.core.$ZodIssue[]): ImportError[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ row, field: [...issue.path, key].join('.'), message: 'unknown field' }))
      : [{ row, field: issue.path.join('.') || 'row', message: issue.message }],
  );
}

/** The ids among `ids` that exist in the tenant, read in batches. */
async function existingIds(s: Scoped, table: IdTable, ids: string[]) {
  const found = new Set<string>();
  for (const batch of chunks([...new Set(ids)], 1000)) {
    const rows = (await s.select(table, { where: inArray(table.id, batch) })) as { id: string }[];
    for (const r of rows) found.add(r.id);
  }
  return found;
}

/**
 * `POST /import`: validates every row with the create schema, checks
 * references, ownership and custom fields against the tenant, then upserts
 * on the key with batched INSERT ... ON CONFLICT statements, in one
 * transaction with one audit row. Any invalid row fails the whole import
 * unless `?partial=true`.
 */
export function registerImport<T extends CrmTable>(router: OpenAPIHono<AppEnv>, config: BulkConfig<T>) {
  const { crm, key } = config;
  const { table, resource } = crm;
  const action = crm.singular.toLowerCase();
  const countedLimit = limitOfResource[resource];
  const create = crm.schemas.create;
  const keyColumn = (table as unknown as Record<string, AnyPgColumn>)[key] as AnyPgColumn;
  const writable = Object.keys(create.shape);
  const column = (k: string) => (table as unknown as Record<string, AnyPgColumn>)[k] as AnyPgColumn;
  const name = (c: AnyPgColumn) => sql.identifier(c.name);
  // The same references a single create checks (crmResource), read once per table for all rows.
  const referencesOf = (data: Input): Reference[] => [['ownerId', users, data.ownerId as string | null | undefined], ...(crm.references?.(data) ?? [])];

  // drizzle's onConflictDoUpdate takes plain columns as the target; the unique
  // indexes are on (tenant_id, lower(key)), so the clause is set whole below.
  // The version guard makes a row changed since it was read fail the import.
  const onConflict = sql`(${name(table.tenantId)}, lower(${name(keyColumn)})) do update set ${sql.join(
    [
      ...writable.map((k) => sql`${name(column(k))} = excluded.${name(column(k))}`),
      sql`${name(table.version)} = ${table.version} + 1`,
      sql`${name(table.updatedAt)} = now()`,
    ],
    sql`, `,
  )} where ${table.version} = excluded.${name(table.version)}`;

  const route = createRoute({
    method: 'post',
    path: '/import',
    tags: [`${crm.singular}s`],
    summary: `Import ${resource} (JSON array or CSV)`,
    description: [
      `Up to ${groupDigits(MAX_IMPORT_ROWS)} rows, each validated like a create. Rows whose ${key} matches an existing ${action} (case-insensitively) update it; the others are created.`,
      'CSV: the first line names the columns (the create fields; exported read-only columns such as `id` are ignored); empty cells are left unset; `customFields` is a JSON object.',
      'All-or-nothing: any invalid row is a 400 listing every row error and writes nothing. With `?partial=true` the valid rows are written and the failed ones reported.',
      ...(countedLimit
        ? [
            'Plan limit (leads and contacts together): new records beyond it make the import `402 plan_limit_reached` and write nothing; with `?partial=true` the first new rows that fit are created and the others reported as failed (field `leadsAndContacts`).',
          ]
        : []),
    ].join('\n\n'),
    middleware: [authenticate, idempotency, authorize(resource, 'write')] as const,
    request: {
      query: z
        .object({
          partial: z.enum(['true', 'false']).optional().openapi({ description: 'Write the valid rows and report the failed ones' }),
          tenantId: z.string().max(64).optional(),
        })
        .strict(),
      // Not `required`: a required JSON body would make the JSON validator refuse CSV.
      body: {
        content: {
          'application/json': { schema: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_IMPORT_ROWS) },
          'text/csv': { schema: z.string().openapi({ example: 'firstName,lastName,email\r\nAda,Lovelace,ada@example.com\r\n' }) },
        },
      },
    },
    responses: {
      200: jsonContent(dataEnvelope(importResult), 'Counts and per-row errors'),
      ...errorResponses(400, 401, 402, 403, 409, 413, 422),
    },
  });

  /** Everything about each row that needs the database: references, the record it updates, ownership, custom fields. */
  async function plan(s: Scoped, principal: Principal, rows: { row: number; data: Input }[], errors: ImportError[]): Promise<Planned[]> {
    const wanted = new Map<IdTable, string[]>();
    for (const { data } of rows) {
      for (const [, refTable, id] of referencesOf(data)) {
        if (!id) continue;
        const ids = wanted.get(refTable) ?? [];
        ids.push(id);
        wanted.set(refTable, ids);
      }
    }
    const known = new Map<IdTable, Set<string>>();
    for (const [refTable, ids] of wanted) known.set(refTable, await existingIds(s, refTable, ids));
    const existing = new Map<string, Row>();
    const keys = [...new Set(rows.map((r) => r.data[key]).filter((v): v is string => typeof v === 'string'))];
    for (const batch of chunks(keys, 1000)) {
      const found = (await s.select(table, { where: inArray(sql`lower(${keyColumn})`, batch) })) as Row[];
      for (const r of found) existing.set(String(r[key]).toLowerCase(), r);
    }
    const withCustomFields = crm.customFields !== undefined && hasFeature(principal.tenant.plan, 'customFields');
    const defs = withCustomFields && crm.customFields ? await customFieldDefinitionsOf(s, crm.customFields) : [];
    const ownOnly = ownRecordsOnly(principal, crm.ownOnlyRoles);

    const planned: Planned[] = [];
    for (const { row, data } of rows) {
      const problems: ImportError[] = [];
      for (const [field, refTable, id] of referencesOf(data)) {
        if (id && !known.get(refTable)?.has(id)) problems.push({ row, field, message: 'no such record in this tenant' });
      }
      const current = typeof data[key] === 'string' ? existing.get(data[key] as string) : undefined;
      if (ownOnly && current && current.ownerId !== principal.userId) {
        problems.push({ row, field: key, message: `matches a ${action} you do not own; your role can change only records you own` });
      }
      if (ownOnly && data.ownerId !== undefined && data.ownerId !== principal.userId) {
        problems.push({ row, field: 'ownerId', message: 'your role cannot assign records to other users' });
      }
      const values: Input = current
        ? { ...Object.fromEntries(writable.map((k) => [k, current[k]])), ...data, version: current.version }
        : { ownerId: principal.userId, ...data };
      if (withCustomFields) {
        const checked = checkCustomFields(defs, data.customFields as Input | undefined, current ? ((current.customFields as Input) ?? {}) : null);
        problems.push(...checked.details.map((d) => ({ row, ...d })));
        values.customFields = checked.merged;
      }
      if (problems.length) errors.push(...problems);
      else planned.push({ row, values, updates: current?.id ?? null });
    }
    return planned;
  }

  /** One multi-row upsert; a row that raced with another request (changed, or created meanwhile) fails the import. */
  async function upsert(s: Scoped, batch: Planned[]) {
    const insert = s.insert(table, batch.map((p) => p.values) as never);
    (insert as unknown as { config: { onConflict: SQL } }).config.onConflict = onConflict;
    const written = (await insert.returning({ id: table.id, inserted: sql<boolean>`xmax = 0` })) as { id: string; inserted: boolean }[];
    const updates = new Set(batch.flatMap((p) => (p.updates ? [p.updates] : [])));
    const created = written.filter((w) => w.inserted).length;
    if (written.length !== batch.length || created !== batch.length - updates.size || !written.every((w) => w.inserted || updates.has(w.id))) {
      throw new ApiError('conflict', `Some ${resource} changed while the import ran; nothing was imported. Retry the import.`);
    }
    return { created, updated: updates.size };
  }

  return router.openapi(route, (async (c: Context<AppEnv>) => {
    const partial = c.req.query('partial') === 'true';
    const principal = c.get('principal');
    const csv = (c.req.header('content-type') ?? '').toLowerCase().startsWith('text/csv');
    const body = (c.req as unknown as { valid(t: 'json'): unknown }).valid('json');
    const errors: ImportError[] = [];
    const inputs = csv ? csvRows(await c.req.text(), crm.schemas, MAX_IMPORT_ROWS, errors) : (body as Input[]);
    if (!Array.isArray(inputs) || inputs.length === 0) {
      throw new ApiError('validation_error', 'The import has no rows', [{ field: 'body', message: 'send a JSON array or CSV with at least one row' }]);
    }

    const rows: { row: number; data: Input }[] = [];
    const seen = new Map<string, number>();
    for (const [i, input] of inputs.entries()) {
      if (input === undefined) continue; // a CSV record already reported as malformed
      const row = i + 1;
      const parsed = create.safeParse(input);
      if (!parsed.success) {
        errors.push(...rowErrors(row, parsed.error.issues));
        continue;
      }
      const data = parsed.data as Input;
      if (data.customFields !== undefined && !hasFeature(principal.tenant.plan, 'customFields')) {
        throw new ApiError('plan_feature_unavailable', 'Your plan does not include custom fields; upgrade to Enterprise');
      }
      const k = data[key];
      const first = typeof k === 'string' ? seen.get(k) : undefined;
      if (first !== undefined) {
        errors.push({ row, field: key, message: `same ${key} as row ${first}` });
        continue;
      }
      if (typeof k === 'string') seen.set(k, row);
      rows.push({ row, data });
    }

    const result = await c.get('tenantDb').transaction(async (s) => {
      let planned = await plan(s, principal, rows, errors);
      errors.sort((a, b) => a.row - b.row);
      const invalid = new Set(errors.map((e) => e.row)).size;
      if (invalid && !partial) {
        throw new ApiError(
          'validation_error',
          `${invalid} of ${inputs.length} rows are invalid; nothing was imported (send ?partial=true to import the valid rows)`,
          errors,
        );
      }
      // New records must fit the plan (402 for the whole import), or with ?partial=true the first ones that fit.
      if (countedLimit) {
        planned = await fitToLimit(s, countedLimit, planned, (p) => p.updates === null, partial, errors);
        errors.sort((a, b) => a.row - b.row);
      }
      const failed = new Set(errors.map((e) => e.row)).size;
      let created = 0;
      let updated = 0;
      for (const batch of chunks(planned)) {
        const counts = await upsert(s, batch);
        created += counts.created;
        updated += counts.updated;
      }
      const summary = { created, updated, failed };
      await audit(c, s, {
        action: `${action}.imported`,
        resourceType: action,
        changes: { ...summary, rows: inputs.length, partial, format: csv ? 'csv' : 'json' },
      });
      // One summary event per import, not one per row: a 10,000-row import would otherwise flood every endpoint.
      if (created || updated) await emitEvent(s, `${action}.imported` as EventType, { ...summary, rows: inputs.length });
      return { ...summary, errors };
    });
    return c.json({ data: result }, 200);
  }) as never);
}
