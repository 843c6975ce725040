import { z } from 'zod';

/**
 * The few fields of Stripe event objects the webhook reads. Loose on purpose:
 * Stripe adds fields in every API version; a missing field we rely on makes
 * the event "ignored", never an error Stripe would retry forever.
 */
const idOf = z.union([z.string(), z.object({ id: z.string() }).transform((o) => o.id)]);

export const eventSchema = z.object({
  id: z.string().min(1),
  type: z.string(),
  created: z.number().int(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEventLike = z.infer<typeof eventSchema>;

export const checkoutSessionSchema = z.object({
  id: z.string(),
  mode: z.string(),
  client_reference_id: z.string().nullish(),
  customer: idOf.nullish(),
  subscription: idOf.nullish(),
});

export const subscriptionSchema = z.object({
  id: z.string(),
  customer: idOf,
  status: z.string(),
  items: z.object({
    data: z.array(
      z.object({
        price: z.object({ id: z.string() }),
        // Since API version 2025-03-31 the billing period lives on each item.
        current_period_end: z.number().int().optional(),
      }),
    ),
  }),
  // Older API versions: on the subscription itself.
  current_period_end: z.number().int().optional(),
});

export const invoiceSchema = z.object({
  id: z.string(),
  customer: idOf,
  billing_reason: z.string().nullish(),
  amount_paid: z.number().int().optional(),
  amount_due: z.number().int().optional(),
  currency: z.string().optional(),
  attempt_count: z.number().int().optional(),
  // Older API versions.
  subscription: idOf.nullish(),
  parent: z.object({ subscription_details: z.object({ subscription: idOf }).nullish() }).nullish(),
});

/** The subscription an invoice bills, in either API shape. */
export const invoiceSubscription = (invoice: z.infer<typeof invoiceSchema>) =>
  invoice.parent?.subscription_details?.subscription ?? invoice.subscription ?? null;

/** The end of the current billing period (latest across items), as a Date. */
export function periodEnd(sub: z.infer<typeof subscriptionSchema>): Date | null {
  const ends = sub.items.data.flatMap((i) => (i.current_period_end ? [i.current_period_end] : []));
  const end = ends.length ? Math.max(...ends) : sub.current_period_end;
  return end ? new Date(end * 1000) : null;
}
