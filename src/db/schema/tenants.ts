import { pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at } from './time.ts';

export const tenantStatuses = ['active', 'suspended'] as const;
export const planIds = ['free', 'pro', 'enterprise'] as const;
/** Stripe's subscription statuses (https://docs.stripe.com/api/subscriptions/object#subscription_object-status). */
export const subscriptionStatuses = ['active', 'trialing', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

/** The tenant registry. Not tenant-owned (it is the tenant), so it has no RLS policy. */
export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    /** The plan the subscription grants (free without one); read the effective plan through tenantColumns. */
    plan: text('plan', { enum: planIds }).notNull().default('free'),
    /** A plan set by platform operators (comped); wins over the subscription while set. */
    planOverride: text('plan_override', { enum: planIds }),
    status: text('status', { enum: tenantStatuses }).notNull().default('active'),
    /** The Stripe side of the link (Stripe's side carries metadata.tenant_id on the customer). */
    stripeCustomerId: text('stripe_customer_id'),
    stripeSubscriptionId: text('stripe_subscription_id'),
    subscriptionStatus: text('subscription_status', { enum: subscriptionStatuses }),
    currentPeriodEnd: at('current_period_end'),
    /** When payment first went overdue; writes stop after the grace period counted from here. */
    pastDueSince: at('past_due_since'),
    /** Stripe's `created` time of the last event applied: an older event changes nothing. */
    billingStateAt: at('billing_state_at'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tenants_slug_key').on(t.slug), uniqueIndex('tenants_stripe_customer_key').on(t.stripeCustomerId)],
);

export type Tenant = typeof tenants.$inferSelect;
