import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll } from 'vitest';

/**
 * A local stand-in for api.stripe.com: the app's real Stripe SDK is pointed
 * here (STRIPE_API_HOST/PORT/PROTOCOL) and every request it sends is recorded
 * with its decoded form parameters, so tests assert what Stripe would receive.
 * Answers the calls billing and tenant deletion make with objects shaped like Stripe's.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Form parameters as Stripe encodes them (`line_items[0][price]`). */
  params: Record<string, string>;
}

export interface StripeFixture {
  env: Record<string, string>;
  requests: RecordedRequest[];
  /** Makes the next `times` responses for the path errors with this HTTP status (the SDK retries some). */
  failNext(path: string, status: number, times?: number): void;
}

export const WEBHOOK_SECRET = 'whsec_test_secret_for_signed_payloads_0123456789';
export const PRICE_PRO = 'price_test_pro';
export const PRICE_ENTERPRISE = 'price_test_enterprise';

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export async function startStripeFixture(): Promise<StripeFixture> {
  const requests: RecordedRequest[] = [];
  const failures = new Map<string, { status: number; times: number }>();
  let seq = 0;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await read(req);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const params = Object.fromEntries(new URLSearchParams(body));
    requests.push({ method: req.method ?? '', path, headers: req.headers, params });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fixture_${++seq}` });
      res.end(JSON.stringify(json));
    };
    const failure = failures.get(path);
    if (failure && failure.times > 0) {
      failure.times--;
      return send(failure.status, { error: { type: 'api_error', message: 'fixture failure' } });
    }
    const id = `${++seq}`.padStart(6, '0');
    if (req.method === 'POST' && path === '/v1/customers') {
      return send(200, { id: `cus_fixture${id}`, object: 'customer', name: params.name ?? null, email: params.email ?? null, metadata: {} });
    }
    if (req.method === 'POST' && path === '/v1/checkout/sessions') {
      return send(200, {
        id: `cs_test_fixture${id}`,
        object: 'checkout.session',
        mode: params.mode,
        customer: params.customer ?? null,
        client_reference_id: params.client_reference_id ?? null,
        url: `https://checkout.stripe.test/c/pay/cs_test_fixture${id}`,
      });
    }
    if (req.method === 'POST' && path === '/v1/billing_portal/sessions') {
      return send(200, {
        id: `bps_fixture${id}`,
        object: 'billing_portal.session',
        customer: params.customer,
        url: `https://billing.stripe.test/p/session/${id}`,
      });
    }
    const subscription = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
    if (req.method === 'DELETE' && subscription) {
      return send(200, { id: subscription[1], object: 'subscription', status: 'canceled', customer: null, metadata: {} });
    }
    send(404, { error: { type: 'invalid_request_error', message: `fixture has no ${req.method} ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    env: {
      STRIPE_SECRET_KEY: 'sk_test_fixture_key_0123456789',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_PRICE_PRO: PRICE_PRO,
      STRIPE_PRICE_ENTERPRISE: PRICE_ENTERPRISE,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(port),
      STRIPE_API_PROTOCOL: 'http',
    },
    requests,
    failNext: (path, status, times = 1) => void failures.set(path, { status, times }),
  };
}

/** A Stripe event as Stripe would send it, signed with the app's webhook secret. */
export async function signedEvent(
  event: { id?: string; type: string; created?: number; object: Record<string, unknown> },
  options: { secret?: string; timestamp?: number; pretty?: boolean } = {},
) {
  const payloadObject = {
    id: event.id ?? `evt_${crypto.randomUUID().replaceAll('-', '')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: event.created ?? Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: event.type,
    data: { object: event.object },
  };
  // Stripe sends pretty-printed JSON: the signature covers those exact bytes.
  const payload = options.pretty === false ? JSON.stringify(payloadObject) : JSON.stringify(payloadObject, null, 2);
  const signature = await Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    timestamp: options.timestamp,
  });
  return { id: payloadObject.id, payload, signature };
}

/** A subscription object in the current API shape (period end on the items). */
export function subscriptionObject(o: { id: string; customer: string; status: string; price: string; periodEnd?: number; metadata?: Record<string, string> }) {
  return {
    id: o.id,
    object: 'subscription',
    customer: o.customer,
    status: o.status,
    metadata: o.metadata ?? {},
    items: {
      object: 'list',
      data: [
        {
          id: `si_${o.id}`,
          object: 'subscription_item',
          price: { id: o.price, object: 'price' },
          quantity: 1,
          current_period_end: o.periodEnd ?? 1_900_000_000,
        },
      ],
    },
  };
}
