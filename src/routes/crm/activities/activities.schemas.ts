import { z } from '@hono/zod-openapi';
import { activityTypes, relatedTypes } from '../../../db/schema/index.ts';
import { exampleIds, exampleTimestamps, idField, optionalText, timestampsSchema } from '../shared/fields.ts';

const at = z.iso
  .datetime({ offset: true })
  .openapi({ example: '2026-03-01T09:00:00Z' })
  .transform((v) => new Date(v));

const relatedTo = z
  .strictObject({ type: z.enum(relatedTypes), id: idField })
  .openapi('ActivityRelatedTo', { description: 'The lead, contact, account or deal the activity is about (must exist in your tenant)' });

const writable = {
  type: z.enum(activityTypes),
  subject: z.string().trim().min(1).max(300),
  body: optionalText(10_000),
  dueAt: at.nullable().optional(),
  completedAt: at.nullable().optional(),
  relatedTo: relatedTo.nullable().optional(),
  ownerId: idField.optional(),
};

export const createActivitySchema = z.strictObject(writable).openapi('CreateActivity', {
  example: { type: 'call', subject: 'Discovery call', dueAt: '2026-03-01T09:00:00Z', relatedTo: { type: 'lead', id: '2f0a3b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' } },
});

export const updateActivitySchema = z
  .strictObject({ ...writable, type: writable.type.optional(), subject: writable.subject.optional() })
  .openapi('UpdateActivity', { example: { completedAt: '2026-03-01T09:45:00Z', body: 'Budget approved; send the proposal.' } });

export const activitySchema = z
  .object({
    id: idField,
    type: z.enum(activityTypes),
    subject: z.string(),
    body: z.string().nullable(),
    dueAt: z.string().datetime().nullable(),
    completedAt: z.string().datetime().nullable(),
    relatedTo: z.object({ type: z.enum(relatedTypes), id: z.uuid() }).nullable(),
    ownerId: z.uuid().nullable(),
    ...timestampsSchema,
  })
  .openapi('Activity', {
    example: {
      id: exampleIds.activity,
      type: 'call',
      subject: 'Discovery call',
      body: 'Budget approved; send the proposal.',
      dueAt: '2026-03-01T09:00:00.000Z',
      completedAt: null,
      relatedTo: { type: 'lead', id: exampleIds.lead },
      ownerId: exampleIds.user,
      ...exampleTimestamps,
    },
  });

/** The API shows the related_type/related_id columns as one `relatedTo` object (or null). */
export function toActivity(row: Record<string, unknown>): Record<string, unknown> {
  const { relatedType, relatedId, ...rest } = row;
  return { ...rest, relatedTo: relatedType ? { type: relatedType, id: relatedId } : null };
}
