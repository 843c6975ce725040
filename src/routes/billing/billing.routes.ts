import { createRoute, z } from '@hono/zod-openapi';
import { planIds, subscriptionStatuses } from '../../db/schema/index.ts';
import { dataEnvelope, errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { paidPlans } from '../../lib/plans.ts';
import { authorize } from '../../middleware/authorize.ts';

const tags = ['Billing'];
const usageEntry = z.object({ used: z.number().int(), limit: z.number().int().nullable().openapi({ description: 'null: unlimited' }) });

const billingSchema = z
  .object({
    plan: z.enum(planIds).openapi({ description: 'The effective plan: the override when set, else what the subscription grants' }),
    planOverride: z.enum(planIds).nullable().openapi({ description: 'A plan set by the platform operators (comped)' }),
    subscription: z
      .object({
        status: z.enum(subscriptionStatuses),
        currentPeriodEnd: z.string().datetime().nullable(),
        pastDueSince: z.string().datetime().nullable(),
      })
      .nullable(),
    writesBlocked: z.boolean().openapi({ description: 'Payment overdue past the grace period: reads only until it is fixed' }),
    usage: z.object({ users: usageEntry, leadsAndContacts: usageEntry }),
    features: z.object({ customFields: z.boolean(), apiKeys: z.boolean() }),
    billingAccount: z.boolean().openapi({ description: 'A Stripe customer is linked (the billing portal is available)' }),
  })
  .openapi('Billing', {
    example: {
      plan: 'pro',
      planOverride: null,
      subscription: { status: 'active', currentPeriodEnd: '2026-03-12T10:15:00.000Z', pastDueSince: null },
      writesBlocked: false,
      usage: { users: { used: 4, limit: 10 }, leadsAndContacts: { used: 1843, limit: 10000 } },
      features: { customFields: false, apiKeys: false },
      billingAccount: true,
    },
  });

export const get = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: "The tenant's plan, subscription status, period end and usage against its limits",
  middleware: [authorize('billing', 'read')] as const,
  responses: { 200: jsonContent(dataEnvelope(billingSchema), 'Billing state'), ...errorResponses(401, 403) },
});

export const checkout = createRoute({
  method: 'post',
  path: '/checkout',
  tags,
  summary: 'Start a Stripe Checkout Session for a paid plan',
  description:
    'Returns the Checkout URL to send the admin to. The plan applies when Stripe confirms the subscription (webhook). A tenant that already has a subscription changes plans in the billing portal.',
  middleware: [authorize('billing', 'admin')] as const,
  request: { body: jsonBody(z.strictObject({ plan: z.enum(paidPlans) }).openapi('CheckoutRequest')) },
  responses: {
    200: jsonContent(
      dataEnvelope(
        z
          .object({ url: z.string().url(), sessionId: z.string() })
          .openapi({ example: { url: 'https://checkout.stripe.com/c/pay/cs_test_a1B2c3', sessionId: 'cs_test_a1B2c3' } }),
      ),
      'Checkout session',
    ),
    ...errorResponses(400, 401, 403, 409, 503),
  },
});

export const portal = createRoute({
  method: 'post',
  path: '/portal',
  tags,
  summary: 'Open a Stripe billing-portal session (payment method, invoices, plan changes, cancellation)',
  middleware: [authorize('billing', 'admin')] as const,
  responses: {
    200: jsonContent(
      dataEnvelope(z.object({ url: z.string().url() }).openapi({ example: { url: 'https://billing.stripe.com/p/session/test_YWNjdF8x' } })),
      'Portal session',
    ),
    ...errorResponses(401, 403, 409, 503),
  },
});
