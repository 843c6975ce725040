import type Stripe from 'stripe';
import type { Config } from '../config.ts';
import { ApiError } from './errors.ts';
import type { Logger } from './logger.ts';
import { type PaidPlan, paidPlans } from './plans.ts';

/**
 * The official Stripe SDK, imported on first use so that only the billing and
 * webhook routes load it. Its fetch HTTP client and SubtleCrypto provider run
 * unchanged on Workers, Node and Deno.
 */
export async function stripeSdk(): Promise<typeof Stripe> {
  return (await import('stripe')).default;
}

const clients = new WeakMap<Config, Stripe>();

/** The API client for checkout and portal sessions; 503 when billing is not configured. */
export async function stripeClient(config: Config): Promise<Stripe> {
  if (!config.STRIPE_SECRET_KEY) throw new ApiError('service_unavailable', 'Billing is not configured on this server');
  let client = clients.get(config);
  if (!client) {
    const StripeSdk = await stripeSdk();
    client = new StripeSdk(config.STRIPE_SECRET_KEY, {
      httpClient: StripeSdk.createFetchHttpClient(),
      timeout: 15_000,
      // Test/dev only: a local fixture in place of api.stripe.com.
      ...(config.STRIPE_API_HOST && { host: config.STRIPE_API_HOST }),
      ...(config.STRIPE_API_PORT && { port: config.STRIPE_API_PORT }),
      ...(config.STRIPE_API_PROTOCOL && { protocol: config.STRIPE_API_PROTOCOL }),
    });
    clients.set(config, client);
  }
  return client;
}

/**
 * Runs a Stripe API call; a failure is logged by type and code only (never the
 * request, which may carry customer data) and answered 503.
 */
export async function callStripe<T>(logger: Logger, requestId: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const e = err as { type?: string; code?: string; statusCode?: number; requestId?: string };
    logger.warn('stripe call failed', { requestId, what, type: e.type, code: e.code, status: e.statusCode, stripeRequestId: e.requestId });
    throw new ApiError('service_unavailable', 'The payment provider could not complete the request; try again shortly', undefined, { 'Retry-After': '5' });
  }
}

/** Price ids of the paid plans, from env (STRIPE_PRICE_PRO, STRIPE_PRICE_ENTERPRISE). */
export function priceOf(config: Config, plan: PaidPlan): string | undefined {
  return plan === 'pro' ? config.STRIPE_PRICE_PRO : config.STRIPE_PRICE_ENTERPRISE;
}

/** The plan a subscription's prices pay for (the highest, if several), or null when none is ours. */
export function planOfPrices(config: Config, priceIds: string[]): PaidPlan | null {
  for (const plan of [...paidPlans].reverse()) {
    const price = priceOf(config, plan);
    if (price && priceIds.includes(price)) return plan;
  }
  return null;
}
