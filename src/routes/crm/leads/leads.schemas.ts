import { z } from '@hono/zod-openapi';
import { leadStatuses } from '../../../db/schema/index.ts';
import { customFieldsInput } from '../shared/custom-fields.ts';
import { emailField, exampleIds, exampleTimestamps, idField, optionalText, personName, phoneField, timestampsSchema } from '../shared/fields.ts';

/** `converted` is reached only through POST /api/leads/{id}/convert. */
const writableStatuses = leadStatuses.filter((s) => s !== 'converted') as ['new', 'contacted', 'qualified', 'unqualified'];

const writable = {
  firstName: z.string().trim().max(100).optional(),
  lastName: personName,
  email: emailField.nullable().optional(),
  phone: phoneField.nullable().optional(),
  company: optionalText(),
  title: optionalText(),
  source: optionalText(100),
  status: z.enum(writableStatuses).optional(),
  score: z.number().int().min(0).max(100).optional(),
  ownerId: idField.optional(),
  notes: optionalText(10_000),
  customFields: customFieldsInput.optional(),
};

export const createLeadSchema = z
  .strictObject(writable)
  .openapi('CreateLead', { example: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.example', company: 'US Navy', source: 'web', score: 70 } });

export const updateLeadSchema = z
  .strictObject({ ...writable, lastName: personName.optional() })
  .openapi('UpdateLead', { example: { status: 'qualified', score: 85 } });

export const leadSchema = z
  .object({
    id: idField,
    firstName: z.string(),
    lastName: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    company: z.string().nullable(),
    title: z.string().nullable(),
    source: z.string().nullable(),
    status: z.enum(leadStatuses),
    score: z.number().int(),
    ownerId: z.uuid().nullable(),
    notes: z.string().nullable(),
    customFields: z.record(z.string(), z.unknown()),
    convertedAt: z.string().datetime().nullable(),
    convertedContactId: z.uuid().nullable(),
    ...timestampsSchema,
  })
  .openapi('Lead', {
    example: {
      id: exampleIds.lead,
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'grace@navy.example',
      phone: '+1 202 555 0147',
      company: 'US Navy',
      title: 'Rear Admiral',
      source: 'web',
      status: 'qualified',
      score: 85,
      ownerId: exampleIds.user,
      notes: 'Asked for a demo of the pipeline reports.',
      customFields: { segment: 'enterprise' },
      convertedAt: null,
      convertedContactId: null,
      ...exampleTimestamps,
    },
  });
