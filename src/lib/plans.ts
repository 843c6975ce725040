import type { planIds, SubscriptionStatus } from '../db/schema/index.ts';

export type PlanId = (typeof planIds)[number];
export type Feature = 'customFields' | 'apiKeys';
export type PlanLimit = 'users' | 'leadsAndContacts';

export interface Plan {
  id: PlanId;
  /** Monthly price in US cents. */
  priceCents: number;
  /** null = unlimited. */
  limits: Record<PlanLimit, number | null>;
  features: Record<Feature, boolean>;
}

/** SPEC section 7: the one definition of what each plan allows. */
export const plans: Record<PlanId, Plan> = {
  free: { id: 'free', priceCents: 0, limits: { users: 1, leadsAndContacts: 100 }, features: { customFields: false, apiKeys: false } },
  pro: { id: 'pro', priceCents: 9_900, limits: { users: 10, leadsAndContacts: null }, features: { customFields: false, apiKeys: false } },
  enterprise: { id: 'enterprise', priceCents: 99_900, limits: { users: null, leadsAndContacts: null }, features: { customFields: true, apiKeys: true } },
};

export const hasFeature = (plan: PlanId, feature: Feature) => plans[plan].features[feature];

/** How limits are named to clients (error messages, GET /api/billing). */
export const limitLabels: Record<PlanLimit, string> = { users: 'user seats', leadsAndContacts: 'leads and contacts' };

/** The CRM resources whose records count against a limit. */
export const limitOfResource: Partial<Record<string, PlanLimit>> = { leads: 'leadsAndContacts', contacts: 'leadsAndContacts' };

/** Plans that can be bought through Stripe Checkout. */
export const paidPlans = ['pro', 'enterprise'] as const satisfies readonly PlanId[];
export type PaidPlan = (typeof paidPlans)[number];

/**
 * Subscription states that keep the plan the subscription pays for. `canceled`
 * and the never-paid states fall back to free limits (data is kept).
 */
const GRANTING: readonly SubscriptionStatus[] = ['active', 'trialing', 'past_due', 'unpaid'];
export const grantsPlan = (status: SubscriptionStatus) => GRANTING.includes(status);

/** Payment is overdue: reads continue, writes stop once the grace period is over. */
const OVERDUE: readonly SubscriptionStatus[] = ['past_due', 'unpaid'];
export const isOverdue = (status: SubscriptionStatus | null) => status !== null && OVERDUE.includes(status);

/** True when an overdue tenant's grace period (counted from when payment first failed) has run out. */
export function writesBlocked(tenant: { subscriptionStatus: SubscriptionStatus | null; pastDueSince: Date | null }, graceDays: number, now = new Date()) {
  if (!isOverdue(tenant.subscriptionStatus) || !tenant.pastDueSince) return false;
  return now.getTime() >= tenant.pastDueSince.getTime() + graceDays * 86_400_000;
}
