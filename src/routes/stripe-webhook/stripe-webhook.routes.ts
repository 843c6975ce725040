import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';

export const receive = createRoute({
  method: 'post',
  path: '/',
  tags: ['Billing'],
  summary: 'Stripe webhook endpoint',
  description: [
    'Called by Stripe, not by API clients. The `Stripe-Signature` header is verified on the raw body with `STRIPE_WEBHOOK_SECRET` (events older than 300 s are refused).',
    'Handles `checkout.session.completed`, `customer.subscription.created|updated|deleted`, `invoice.paid` and `invoice.payment_failed`. Each event id is processed once; a replay, an out-of-date event, an unknown event type or customer is acknowledged with 200 and changes nothing.',
  ].join('\n\n'),
  request: { headers: z.object({ 'stripe-signature': z.string().min(1).max(2000) }) },
  responses: {
    200: jsonContent(
      z.object({
        data: z
          .object({ eventId: z.string(), outcome: z.enum(['applied', 'stale', 'ignored', 'duplicate']) })
          .openapi({ example: { eventId: 'evt_1QaBcDeFgHiJkLmN', outcome: 'applied' } }),
      }),
      'Acknowledged',
    ),
    // 503: webhook secret not configured, or the database is down (Stripe retries).
    ...errorResponses(400, 503),
  },
});
