import { z } from '@hono/zod-openapi';
import { customFieldsInput } from '../shared/custom-fields.ts';
import { emailField, exampleIds, exampleTimestamps, idField, optionalText, personName, phoneField, timestampsSchema } from '../shared/fields.ts';

const writable = {
  firstName: z.string().trim().max(100).optional(),
  lastName: personName,
  email: emailField.nullable().optional().openapi({ description: 'Unique per tenant, case-insensitively' }),
  phone: phoneField.nullable().optional(),
  title: optionalText(),
  accountId: idField.nullable().optional().openapi({ description: 'An account of this tenant' }),
  ownerId: idField.optional(),
  notes: optionalText(10_000),
  customFields: customFieldsInput.optional(),
};

export const createContactSchema = z
  .strictObject(writable)
  .openapi('CreateContact', { example: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@analytical.example', title: 'Analyst' } });

export const updateContactSchema = z
  .strictObject({ ...writable, lastName: personName.optional() })
  .openapi('UpdateContact', { example: { title: 'Head of Analysis', accountId: exampleIds.account } });

export const contactSchema = z
  .object({
    id: idField,
    firstName: z.string(),
    lastName: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    title: z.string().nullable(),
    accountId: z.uuid().nullable(),
    ownerId: z.uuid().nullable(),
    notes: z.string().nullable(),
    customFields: z.record(z.string(), z.unknown()),
    ...timestampsSchema,
  })
  .openapi('Contact', {
    example: {
      id: exampleIds.contact,
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@analytical.example',
      phone: '+44 20 7946 0018',
      title: 'Analyst',
      accountId: exampleIds.account,
      ownerId: exampleIds.user,
      notes: null,
      customFields: {},
      ...exampleTimestamps,
    },
  });
