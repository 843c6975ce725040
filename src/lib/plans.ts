import type { planIds } from '../db/schema/index.ts';

export type PlanId = (typeof planIds)[number];
export type Feature = 'customFields' | 'apiKeys';

export interface Plan {
  id: PlanId;
  /** Monthly price in US cents. */
  priceCents: number;
  /** null = unlimited. */
  limits: { users: number | null; leadsAndContacts: number | null };
  features: Record<Feature, boolean>;
}

/** SPEC section 7: the one definition of what each plan allows. */
export const plans: Record<PlanId, Plan> = {
  free: { id: 'free', priceCents: 0, limits: { users: 1, leadsAndContacts: 100 }, features: { customFields: false, apiKeys: false } },
  pro: { id: 'pro', priceCents: 9_900, limits: { users: 10, leadsAndContacts: null }, features: { customFields: false, apiKeys: false } },
  enterprise: { id: 'enterprise', priceCents: 99_900, limits: { users: null, leadsAndContacts: null }, features: { customFields: true, apiKeys: true } },
};

export const hasFeature = (plan: PlanId, feature: Feature) => plans[plan].features[feature];
