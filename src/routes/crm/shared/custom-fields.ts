import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { customFieldDefinitions, type customFieldResources } from '../../../db/schema/crm.ts';
import type { Scoped } from '../../../db/scoped.ts';
import { ApiError, type ErrorDetail } from '../../../lib/errors.ts';

export type CustomFieldResource = (typeof customFieldResources)[number];
type Definition = typeof customFieldDefinitions.$inferSelect;

export const customFieldsInput = z
  .record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/), z.unknown())
  .openapi({ description: 'Values of the tenant-defined custom fields (Enterprise), keyed by field key' });

function valueSchema(def: Definition): z.ZodType {
  switch (def.type) {
    case 'text':
      return z.string().max(2000);
    case 'number':
      return z.number().finite();
    case 'date':
      return z.iso.date();
    case 'boolean':
      return z.boolean();
    case 'select':
      return z.enum((def.options ?? ['']) as [string, ...string[]]);
    case 'multiselect':
      return z.array(z.enum((def.options ?? ['']) as [string, ...string[]])).max(50);
    case 'url':
      return z.url().max(2000);
    case 'email':
      return z.email().max(254);
  }
}

/**
 * The custom-field values to store: `values` merged into `current` (null on a
 * create, where required fields must be present) and checked against the
 * tenant's definitions for the resource. `null` clears a value.
 */
export async function mergeCustomFields(
  definitions: PromiseLike<Definition[]>,
  values: Record<string, unknown> | undefined,
  current: Record<string, unknown> | null,
): Promise<Record<string, unknown>> {
  const { merged, details } = checkCustomFields(await definitions, values, current);
  if (details.length) throw new ApiError('validation_error', details[0]?.message ?? 'Invalid custom fields', details);
  return merged;
}

export const customFieldDefinitionsOf = (s: Scoped, resource: CustomFieldResource) =>
  s.select(customFieldDefinitions, { where: eq(customFieldDefinitions.resource, resource) });

/** The checks of mergeCustomFields against definitions already loaded (bulk import validates many rows against one read). */
export function checkCustomFields(
  defs: Definition[],
  values: Record<string, unknown> | undefined,
  current: Record<string, unknown> | null,
): { merged: Record<string, unknown>; details: ErrorDetail[] } {
  const merged: Record<string, unknown> = { ...(current ?? {}) };
  const details: ErrorDetail[] = [];
  for (const [key, value] of Object.entries(values ?? {})) {
    const def = defs.find((d) => d.key === key);
    if (!def) {
      details.push({ field: `customFields.${key}`, message: 'unknown custom field' });
    } else if (value === null) {
      delete merged[key];
    } else {
      const parsed = valueSchema(def).safeParse(value);
      if (parsed.success) merged[key] = parsed.data;
      else details.push({ field: `customFields.${key}`, message: `must be a valid ${def.type}` });
    }
  }
  for (const def of defs) {
    if (def.required && merged[def.key] === undefined) details.push({ field: `customFields.${def.key}`, message: 'is required' });
  }
  return { merged, details };
}
