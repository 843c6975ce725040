import { z } from '@hono/zod-openapi';
import { exampleIds, exampleTimestamps, idField, timestampsSchema } from '../shared/fields.ts';

export const MAX_STAGES = 50;

const stageName = z.string().trim().min(1).max(100);
const probability = z.number().int().min(0).max(100).openapi({ description: 'Win probability in percent (0-100)' });

/** Stage names are unique within a pipeline (case-insensitive), so a stage is unambiguous in reports. */
const distinctNames = <T extends { name: string }>(stages: T[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  stages.forEach((stage, i) => {
    const key = stage.name.toLowerCase();
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'stage names must be unique in a pipeline' });
    seen.add(key);
  });
};

const newStage = z.strictObject({ name: stageName, probability });
/** In a PATCH, a stage with `id` is kept (renamed/moved); one without is added; one left out is removed. */
const stageUpdate = z.strictObject({ id: idField.optional(), name: stageName, probability });

export const createPipelineSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    isDefault: z.boolean().optional(),
    stages: z.array(newStage).min(1).max(MAX_STAGES).superRefine(distinctNames).openapi({ description: 'In pipeline order' }),
  })
  .openapi('CreatePipeline', {
    example: {
      name: 'Sales',
      isDefault: true,
      stages: [
        { name: 'Qualification', probability: 10 },
        { name: 'Proposal', probability: 50 },
        { name: 'Negotiation', probability: 80 },
      ],
    },
  });

export const updatePipelineSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    isDefault: z.boolean().optional(),
    stages: z
      .array(stageUpdate)
      .min(1)
      .max(MAX_STAGES)
      .superRefine(distinctNames)
      .superRefine((stages, ctx) => {
        const ids = stages.flatMap((s) => (s.id ? [s.id] : []));
        if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'a stage id may appear only once' });
      })
      .optional()
      .openapi({ description: 'The full new stage list, in order: keep a stage by sending its id; stages left out are removed (409 if deals use them)' }),
  })
  .openapi('UpdatePipeline', {
    example: {
      name: 'New business',
      stages: [
        { id: exampleIds.stages[0], name: 'Qualification', probability: 10 },
        { name: 'Demo', probability: 30 },
        { id: exampleIds.stages[1], name: 'Proposal', probability: 50 },
        { id: exampleIds.stages[2], name: 'Negotiation', probability: 80 },
      ],
    },
  });

export const stageSchema = z
  .object({
    id: idField,
    name: z.string(),
    probability: z.number().int(),
    position: z.number().int().openapi({ description: '1-based order in the pipeline' }),
  })
  .openapi('Stage', { example: { id: exampleIds.stages[0], name: 'Qualification', probability: 10, position: 1 } });

export const pipelineSchema = z
  .object({
    id: idField,
    name: z.string(),
    isDefault: z.boolean(),
    stages: z.array(stageSchema),
    ...timestampsSchema,
  })
  .openapi('Pipeline', {
    example: {
      id: exampleIds.pipeline,
      name: 'Sales',
      isDefault: true,
      stages: [
        { id: exampleIds.stages[0], name: 'Qualification', probability: 10, position: 1 },
        { id: exampleIds.stages[1], name: 'Proposal', probability: 50, position: 2 },
        { id: exampleIds.stages[2], name: 'Negotiation', probability: 80, position: 3 },
      ],
      ...exampleTimestamps,
    },
  });

export type StageUpdate = z.infer<typeof stageUpdate>;
