import { z } from '@hono/zod-openapi';
import { dealStatuses } from '../../../db/schema/index.ts';
import { customFieldsInput } from '../shared/custom-fields.ts';
import { exampleIds, exampleTimestamps, idField, optionalText, timestampsSchema } from '../shared/fields.ts';

/**
 * ISO 4217 codes the runtime knows (Node, Deno and Workers all ship the list).
 * Read on first use: on Workers the first Intl call initialises ICU, which
 * would otherwise be paid by every isolate's first request, deal or not.
 */
let currencies: ReadonlySet<string> | undefined;
function isCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}

export const currencyField = z
  .string()
  .regex(/^[A-Z]{3}$/, 'currency must be 3 uppercase letters (ISO 4217)')
  .refine(isCurrency, 'currency is not an ISO 4217 code')
  .openapi({ example: 'USD' });

/** Integer minor units; capped where JSON numbers stop being exact. */
export const amountField = z
  .number()
  .int()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .openapi({ description: 'Integer minor units of the currency (cents for USD)', example: 1_250_000 });

export const dealName = z.string().trim().min(1).max(200);

const writable = {
  name: dealName,
  amount: amountField.optional(),
  currency: currencyField.optional(),
  pipelineId: idField.optional().openapi({ description: 'Default: the tenant’s default pipeline' }),
  stageId: idField.optional().openapi({ description: 'Must belong to the pipeline; default: its first stage' }),
  expectedCloseDate: z.iso.date().nullable().optional(),
  contactId: idField.nullable().optional(),
  accountId: idField.nullable().optional(),
  ownerId: idField.optional(),
  status: z.enum(dealStatuses).optional(),
  lostReason: optionalText(500).openapi({ description: 'Required when the deal is lost; only a lost deal has one' }),
  customFields: customFieldsInput.optional(),
};

export const createDealSchema = z
  .strictObject(writable)
  .openapi('CreateDeal', { example: { name: 'Globex renewal', amount: 1_250_000, currency: 'EUR', expectedCloseDate: '2026-09-30' } });

export const updateDealSchema = z
  .strictObject({ ...writable, name: dealName.optional() })
  .openapi('UpdateDeal', { example: { stageId: exampleIds.stages[2], amount: 1_400_000 } });

export const dealSchema = z
  .object({
    id: idField,
    name: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    pipelineId: idField,
    stageId: idField,
    expectedCloseDate: z.string().nullable(),
    contactId: z.uuid().nullable(),
    accountId: z.uuid().nullable(),
    ownerId: z.uuid().nullable(),
    status: z.enum(dealStatuses),
    lostReason: z.string().nullable(),
    closedAt: z.string().datetime().nullable().openapi({ description: 'Set by the server when the deal is won or lost' }),
    customFields: z.record(z.string(), z.unknown()),
    ...timestampsSchema,
  })
  .openapi('Deal', {
    example: {
      id: exampleIds.deal,
      name: 'Globex renewal',
      amount: 1_250_000,
      currency: 'EUR',
      pipelineId: exampleIds.pipeline,
      stageId: exampleIds.stages[1],
      expectedCloseDate: '2026-09-30',
      contactId: exampleIds.contact,
      accountId: exampleIds.account,
      ownerId: exampleIds.user,
      status: 'open',
      lostReason: null,
      closedAt: null,
      customFields: {},
      ...exampleTimestamps,
    },
  });
