import { z } from '@hono/zod-openapi';
import { accountSizes } from '../../../db/schema/index.ts';
import { customFieldsInput } from '../shared/custom-fields.ts';
import { domainField, exampleIds, exampleTimestamps, idField, optionalText, timestampsSchema } from '../shared/fields.ts';

const accountName = z.string().trim().min(1).max(200);

const writable = {
  name: accountName,
  domain: domainField.nullable().optional().openapi({ description: 'Unique per tenant, case-insensitively' }),
  industry: optionalText(100),
  size: z.enum(accountSizes).nullable().optional(),
  ownerId: idField.optional(),
  customFields: customFieldsInput.optional(),
};

export const createAccountSchema = z
  .strictObject(writable)
  .openapi('CreateAccount', { example: { name: 'Analytical Engines Ltd', domain: 'analytical.example', industry: 'Manufacturing', size: '11-50' } });

export const updateAccountSchema = z
  .strictObject({ ...writable, name: accountName.optional() })
  .openapi('UpdateAccount', { example: { industry: 'Computing', size: '51-200' } });

export const accountSchema = z
  .object({
    id: idField,
    name: z.string(),
    domain: z.string().nullable(),
    industry: z.string().nullable(),
    size: z.enum(accountSizes).nullable(),
    ownerId: z.uuid().nullable(),
    customFields: z.record(z.string(), z.unknown()),
    ...timestampsSchema,
  })
  .openapi('Account', {
    example: {
      id: exampleIds.account,
      name: 'Analytical Engines Ltd',
      domain: 'analytical.example',
      industry: 'Manufacturing',
      size: '11-50',
      ownerId: exampleIds.user,
      customFields: {},
      ...exampleTimestamps,
    },
  });
