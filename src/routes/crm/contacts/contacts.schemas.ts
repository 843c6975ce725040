import { z } from '@hono/zod-openapi';
import { customFieldsInput } from '../shared/custom-fields.ts';
import { emailField, idField, optionalText, personName, phoneField, timestampsSchema } from '../shared/fields.ts';

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

export const updateContactSchema = z.strictObject({ ...writable, lastName: personName.optional() }).openapi('UpdateContact');

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
  .openapi('Contact');
