import { z } from '@hono/zod-openapi';
import { customFieldResources, customFieldTypes } from '../../../db/schema/index.ts';
import { exampleIds, exampleTimestamps, idField, timestampsSchema } from '../shared/fields.ts';

type FieldType = (typeof customFieldTypes)[number];

export const needsOptions = (type: FieldType) => type === 'select' || type === 'multiselect';

/** Why a type/options pair is invalid, or null: options belong to select and multiselect only, and those need them. */
export function optionsProblem(type: FieldType, options: string[] | null | undefined): string | null {
  if (needsOptions(type)) return options?.length ? null : `options are required for ${type}`;
  return options == null ? null : `options are only allowed for select and multiselect`;
}

const key = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'key must start with a-z and contain only a-z, 0-9 and _ (40 characters at most)')
  .openapi({ description: 'The property name under customFields; unique per resource', example: 'industry_segment' });
const label = z.string().trim().min(1).max(100);
const options = z
  .array(z.string().trim().min(1).max(100))
  .min(1)
  .max(100)
  .refine((o) => new Set(o).size === o.length, 'options must be unique')
  .openapi({ description: 'The allowed values (select and multiselect only)' });

export const createCustomFieldSchema = z
  .strictObject({
    resource: z.enum(customFieldResources),
    key,
    label,
    type: z.enum(customFieldTypes),
    options: options.optional(),
    required: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    const problem = optionsProblem(v.type, v.options);
    if (problem) ctx.addIssue({ code: 'custom', path: ['options'], message: problem });
  })
  .openapi('CreateCustomField', {
    example: { resource: 'leads', key: 'segment', label: 'Segment', type: 'select', options: ['smb', 'mid', 'enterprise'], required: false },
  });

export const updateCustomFieldSchema = z
  .strictObject({
    key: key.optional(),
    label: label.optional(),
    type: z.enum(customFieldTypes).optional(),
    options: options.nullable().optional(),
    required: z.boolean().optional(),
  })
  .openapi('UpdateCustomField', {
    example: { label: 'Market segment', options: ['smb', 'mid', 'enterprise', 'public sector'] },
    description: 'The resource cannot change. Changing key or type of a field that records use is 409, as is removing an option in use.',
  });

export const listCustomFieldsQuery = z.strictObject({
  resource: z.enum(customFieldResources).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
  cursor: z.string().max(500).optional().openapi({ description: 'Opaque cursor from pagination.nextCursor' }),
  tenantId: z.string().max(64).optional().openapi({ description: 'Tenant hint (slug or id); must match the credential' }),
});

export const customFieldSchema = z
  .object({
    id: idField,
    resource: z.enum(customFieldResources),
    key: z.string(),
    label: z.string(),
    type: z.enum(customFieldTypes),
    options: z.array(z.string()).nullable(),
    required: z.boolean(),
    ...timestampsSchema,
  })
  .openapi('CustomField', {
    example: {
      id: exampleIds.customField,
      resource: 'leads',
      key: 'segment',
      label: 'Segment',
      type: 'select',
      options: ['smb', 'mid', 'enterprise'],
      required: false,
      ...exampleTimestamps,
    },
  });
