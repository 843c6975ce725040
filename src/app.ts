import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { API_KEY_PREFIX } from './lib/api-key-secret.ts';
import type { AppDeps } from './lib/context.ts';
import { ApiError } from './lib/errors.ts';
import { createRouter } from './lib/openapi.ts';
import { createPrincipalCache } from './lib/principal-cache.ts';
import { TokenService } from './lib/tokens.ts';
import { methodNotAllowedHandler, notFoundHandler, onError } from './middleware/errors.ts';
import { ipRateLimit } from './middleware/rate-limit.ts';
import { requestLog } from './middleware/request-log.ts';
import { sanitizeInput } from './middleware/sanitize.ts';
import { resolveTenant } from './middleware/tenant.ts';
import apiKeys from './routes/api-keys/api-keys.index.ts';
import auditLogs from './routes/audit-logs/audit-logs.index.ts';
import auth from './routes/auth/auth.index.ts';
import billing from './routes/billing/billing.index.ts';
import accounts from './routes/crm/accounts/accounts.index.ts';
import activities from './routes/crm/activities/activities.index.ts';
import contacts from './routes/crm/contacts/contacts.index.ts';
import customFields from './routes/crm/custom-fields/custom-fields.index.ts';
import deals from './routes/crm/deals/deals.index.ts';
import leads from './routes/crm/leads/leads.index.ts';
import pipelines from './routes/crm/pipelines/pipelines.index.ts';
import { docsRoutes } from './routes/docs/docs.index.ts';
import health from './routes/health/health.index.ts';
import platform from './routes/platform/platform.index.ts';
import privacy from './routes/privacy/privacy.index.ts';
import reports from './routes/reports/reports.index.ts';
import securityEvents from './routes/security-events/security-events.index.ts';
import stripeWebhook from './routes/stripe-webhook/stripe-webhook.index.ts';
import tenant from './routes/tenant/tenant.index.ts';
import users from './routes/users/users.index.ts';
import webhooks from './routes/webhooks/webhooks.index.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const BULK_IMPORT = /^\/api\/(leads|contacts|accounts)\/import$/;

/** The one app factory: every runtime entry calls this with its platform bindings. */
export function createApp(deps: AppDeps) {
  const app = createRouter();
  const tokens = new TokenService(deps.config);
  const principals = deps.principals ?? createPrincipalCache(deps.config.PRINCIPAL_CACHE_TTL_MS);

  app.onError(onError);
  app.notFound(notFoundHandler);

  app.use(
    requestId({
      generator: () => crypto.randomUUID(),
      limitLength: 128,
    }),
  );
  app.use(async (c, next) => {
    // Honour only well-formed incoming ids; anything else is replaced.
    if (!REQUEST_ID.test(c.get('requestId'))) {
      const id = crypto.randomUUID();
      c.set('requestId', id);
      c.header('X-Request-ID', id);
    }
    c.set('deps', deps);
    c.set('tokens', tokens);
    c.set('principals', principals);
    await next();
  });
  app.use(requestLog);
  app.use(methodNotAllowed({ app, onMethodNotAllowed: methodNotAllowedHandler }));
  app.use(secureHeaders({ strictTransportSecurity: 'max-age=63072000; includeSubDomains', xFrameOptions: 'DENY', referrerPolicy: 'no-referrer' }));
  const crossOrigin = cors({
    origin: (origin) => (deps.config.CORS_ORIGINS.includes(origin) ? origin : null),
    allowHeaders: ['Authorization', 'Content-Type', 'X-Tenant-ID', 'X-Request-ID', 'Idempotency-Key', 'If-Match'],
    exposeHeaders: ['X-Request-ID', 'ETag', 'Location', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
    maxAge: 600,
  });
  // Only a request carrying Origin is a CORS request. For the others hono's cors would still add
  // Access-Control-Expose-Headers, creating the response before the handler and copying it after (a
  // measurable share of a list request's CPU); they only need to say that the answer varies by Origin.
  app.use((c, next) => {
    if (c.req.header('origin')) return crossOrigin(c, next);
    c.header('Vary', 'Origin');
    return next();
  });
  const limitBody = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError('payload_too_large', `Request body exceeds ${maxSize} bytes`);
      },
    });
  const defaultLimit = limitBody(deps.config.BODY_LIMIT_BYTES);
  const importLimit = limitBody(deps.config.IMPORT_BODY_LIMIT_BYTES);
  // Bulk imports are the one place a large body is expected; every other route keeps the small limit.
  // GET and HEAD have no body (a fetch Request cannot carry one), and bodyLimit would build the full Request to look.
  app.use((c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return (BULK_IMPORT.test(c.req.path) ? importLimit : defaultLimit)(c, next);
  });
  app.use(ipRateLimit);
  app.use(sanitizeInput);
  app.use(resolveTenant);

  // One chain, so the routes' types reach hono/client (src/client.ts): mount new routers inside it.
  const routes = app
    .route('/', health)
    .route('/api/auth', auth)
    .route('/api/users', users)
    .route('/api/security-events', securityEvents)
    .route('/api/audit-logs', auditLogs)
    .route('/api/privacy', privacy)
    .route('/api/api-keys', apiKeys)
    .route('/api/leads', leads)
    .route('/api/contacts', contacts)
    .route('/api/accounts', accounts)
    .route('/api/pipelines', pipelines)
    .route('/api/deals', deals)
    .route('/api/activities', activities)
    .route('/api/custom-fields', customFields)
    .route('/api/reports', reports)
    .route('/api/billing', billing)
    .route('/api/tenant', tenant)
    // Before any router mounted at /api/webhooks: Stripe's endpoint has no tenant credential.
    .route('/api/webhooks/stripe', stripeWebhook)
    .route('/api/webhooks', webhooks)
    .route('/api/platform', platform);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A user session: the access token (JWT) from /api/auth/login or /api/auth/refresh.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKeyAuth', {
    type: 'http',
    scheme: 'bearer',
    description: `An API key (Enterprise; created under /api/api-keys, starts with "${API_KEY_PREFIX}"), sent as \`Authorization: Bearer <key>\`; it may call an operation only if it holds every scope the operation lists under apiKeyAuth.`,
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'platformKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Platform operators only (/api/platform): the PLATFORM_ADMIN_KEY secret.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'CRM Edge API',
      version: '0.1.0',
      description: 'Multi-tenant CRM API. Errors share one JSON shape (see the Error schema).',
    },
    servers: [{ url: '/' }],
  });
  app.route('/', docsRoutes(deps.docsBundle));

  return routes;
}

export type App = ReturnType<typeof createApp>;
