import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { grantsPlan, plans, writesBlocked } from '../../src/lib/plans.ts';
import { planOfPrices, priceOf } from '../../src/lib/stripe.ts';

const day = 86_400_000;

describe('plans', () => {
  it('match SPEC section 7', () => {
    expect(plans.free).toMatchObject({ priceCents: 0, limits: { users: 1, leadsAndContacts: 100 }, features: { customFields: false, apiKeys: false } });
    expect(plans.pro).toMatchObject({ priceCents: 9_900, limits: { users: 10, leadsAndContacts: null }, features: { customFields: false, apiKeys: false } });
    expect(plans.enterprise).toMatchObject({
      priceCents: 99_900,
      limits: { users: null, leadsAndContacts: null },
      features: { customFields: true, apiKeys: true },
    });
  });

  it('only paying (or overdue, still billed) subscriptions keep their plan', () => {
    expect(['active', 'trialing', 'past_due', 'unpaid'].every((s) => grantsPlan(s as never))).toBe(true);
    expect(['canceled', 'incomplete', 'incomplete_expired', 'paused'].some((s) => grantsPlan(s as never))).toBe(false);
  });

  it('blocks writes only when overdue past the grace period', () => {
    const now = new Date('2026-06-10T12:00:00Z');
    const since = (days: number) => new Date(now.getTime() - days * day);
    expect(writesBlocked({ subscriptionStatus: 'past_due', pastDueSince: since(6.9) }, 7, now)).toBe(false);
    expect(writesBlocked({ subscriptionStatus: 'past_due', pastDueSince: since(7) }, 7, now)).toBe(true);
    expect(writesBlocked({ subscriptionStatus: 'unpaid', pastDueSince: since(30) }, 7, now)).toBe(true);
    expect(writesBlocked({ subscriptionStatus: 'past_due', pastDueSince: since(0) }, 0, now)).toBe(true);
    expect(writesBlocked({ subscriptionStatus: 'active', pastDueSince: since(30) }, 7, now)).toBe(false);
    expect(writesBlocked({ subscriptionStatus: null, pastDueSince: null }, 7, now)).toBe(false);
  });
});

describe('Stripe prices', () => {
  const config = loadConfig({
    JWT_SECRET: 'j'.repeat(32),
    PLATFORM_ADMIN_KEY: 'p'.repeat(32),
    STRIPE_PRICE_PRO: 'price_p',
    STRIPE_PRICE_ENTERPRISE: 'price_e',
  });

  it('map plans to prices and back (the highest plan wins), unknown prices to none', () => {
    expect(priceOf(config, 'pro')).toBe('price_p');
    expect(planOfPrices(config, ['price_p'])).toBe('pro');
    expect(planOfPrices(config, ['price_p', 'price_e'])).toBe('enterprise');
    expect(planOfPrices(config, ['price_other'])).toBeNull();
    expect(planOfPrices(loadConfig({ JWT_SECRET: 'j'.repeat(32), PLATFORM_ADMIN_KEY: 'p'.repeat(32) }), ['price_p'])).toBeNull();
  });

  it('grace period and Stripe endpoint settings are validated', () => {
    expect(config.BILLING_GRACE_PERIOD_DAYS).toBe(7);
    expect(() => loadConfig({ JWT_SECRET: 'j'.repeat(32), PLATFORM_ADMIN_KEY: 'p'.repeat(32), BILLING_GRACE_PERIOD_DAYS: '-1' })).toThrow(
      /BILLING_GRACE_PERIOD_DAYS/,
    );
    expect(() => loadConfig({ JWT_SECRET: 'j'.repeat(32), PLATFORM_ADMIN_KEY: 'p'.repeat(32), STRIPE_API_PROTOCOL: 'ftp' })).toThrow(/STRIPE_API_PROTOCOL/);
  });
});
