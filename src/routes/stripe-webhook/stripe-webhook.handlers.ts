import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/context.ts';
import { ApiError } from '../../lib/errors.ts';
import { stripeSdk } from '../../lib/stripe.ts';
import { processStripeEvent } from './stripe-webhook.apply.ts';
import { eventSchema } from './stripe-webhook.payloads.ts';
import type * as routes from './stripe-webhook.routes.ts';

/** Stripe's recommended window: a signed payload older than this is a replay. */
const TOLERANCE_SECONDS = 300;
const decoder = new TextDecoder('utf-8', { fatal: true });

export const receive: RouteHandler<typeof routes.receive, AppEnv> = async (c) => {
  const { config, logger } = c.get('deps');
  if (!config.STRIPE_WEBHOOK_SECRET) throw new ApiError('service_unavailable', 'Stripe webhooks are not configured on this server');
  // The exact bytes Stripe signed: the sanitizer cached them when it parsed the JSON (a re-serialised body would not verify).
  const raw = decoder.decode(await c.req.arrayBuffer());
  const Stripe = await stripeSdk();
  let verified: unknown;
  try {
    verified = await Stripe.webhooks.constructEventAsync(
      raw,
      c.req.valid('header')['stripe-signature'],
      config.STRIPE_WEBHOOK_SECRET,
      TOLERANCE_SECONDS,
      Stripe.createSubtleCryptoProvider(),
    );
  } catch (err) {
    logger.warn('stripe webhook signature rejected', { requestId: c.get('requestId'), reason: (err as Error).message });
    throw new ApiError('validation_error', 'Invalid Stripe signature', [
      { field: 'stripe-signature', message: 'signature does not match the payload, or the timestamp is outside the tolerance' },
    ]);
  }
  const event = eventSchema.safeParse(verified);
  if (!event.success) throw new ApiError('validation_error', 'Not a Stripe event');
  const result = await processStripeEvent(c, event.data);
  logger.info('stripe webhook', { requestId: c.get('requestId'), eventId: event.data.id, type: event.data.type, ...result });
  return c.json({ data: { eventId: event.data.id, outcome: result.outcome } }, 200);
};
