import { pgTable, text } from 'drizzle-orm/pg-core';
import { at } from './time.ts';

export const stripeEventOutcomes = ['applied', 'stale', 'ignored'] as const;

/**
 * Every Stripe webhook event id processed, written in the same transaction as
 * the state change it caused: a replay finds its id here and changes nothing.
 * A platform table (like tenants): an event may name no tenant of ours.
 */
export const stripeEvents = pgTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  /** The event's own `created` time (Stripe's clock). */
  stripeCreatedAt: at('stripe_created_at').notNull(),
  outcome: text('outcome', { enum: stripeEventOutcomes }).notNull(),
  processedAt: at('processed_at').notNull().defaultNow(),
});
