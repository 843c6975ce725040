import { z } from 'zod';

/**
 * Every setting the app reads, validated once at start-up. Runtime entries
 * pass their raw environment (process.env, Deno.env, Worker bindings) here.
 */
const csv = z
  .string()
  .optional()
  .transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  );

const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Retention (src/jobs/retention.ts): days audit rows, security events and the finished webhook outbox are kept; also read alone by the retention CLI. */
export const retentionSchema = z.object({
  AUDIT_RETENTION_DAYS: int(365),
  SECURITY_EVENT_RETENTION_DAYS: int(90),
  WEBHOOK_RETENTION_DAYS: int(30),
});

export const configSchema = z
  .object({
    ...retentionSchema.shape,
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    /** node-postgres (Node/Deno): Postgres cancels any statement running longer (503 to the client), so a runaway query cannot hold a connection. */
    DATABASE_STATEMENT_TIMEOUT_MS: int(10_000),
    JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters'),
    JWT_ISSUER: z.string().default('crm-edge-api'),
    JWT_AUDIENCE: z.string().default('crm-edge-api'),
    ACCESS_TOKEN_TTL_SECONDS: int(900).refine((v) => v <= 900, 'ACCESS_TOKEN_TTL_SECONDS must be <= 900'),
    REFRESH_TOKEN_TTL_SECONDS: int(60 * 60 * 24 * 30),
    INVITATION_TTL_SECONDS: int(60 * 60 * 24 * 7),
    PLATFORM_ADMIN_KEY: z.string().min(32, 'PLATFORM_ADMIN_KEY must be at least 32 characters'),
    STRIPE_WEBHOOK_SECRET: z.string().optional(),
    /** Billing (POST /api/billing/checkout, /portal): unset answers 503 there; webhooks need only the secret above. */
    STRIPE_SECRET_KEY: z.string().optional(),
    STRIPE_PRICE_PRO: z.string().optional(),
    STRIPE_PRICE_ENTERPRISE: z.string().optional(),
    /** Where Checkout and the billing portal send the customer back; default: <APP_URL or API origin>/billing. */
    STRIPE_SUCCESS_URL: z.string().url().optional(),
    STRIPE_CANCEL_URL: z.string().url().optional(),
    STRIPE_PORTAL_RETURN_URL: z.string().url().optional(),
    /** Test/dev only: send the SDK's API calls to a local fixture instead of api.stripe.com. */
    STRIPE_API_HOST: z.string().optional(),
    STRIPE_API_PORT: z.coerce.number().int().positive().optional(),
    STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
    /** Days a past_due subscription keeps write access before writes answer 402 subscription_past_due. */
    BILLING_GRACE_PERIOD_DAYS: z.coerce.number().min(0).default(7),
    BASE_DOMAIN: z.string().default('localhost'),
    /** Where invitation links point (your front-end); defaults to this API's origin. */
    APP_URL: z.string().url().optional(),
    CORS_ORIGINS: csv,
    TRUSTED_PROXIES: csv,
    BCRYPT_COST: int(10).refine((v) => v >= 10 && v <= 15, 'BCRYPT_COST must be between 10 and 15'),
    RATE_LIMIT_IP_PER_MINUTE: int(1000),
    RATE_LIMIT_LOGIN_PER_EMAIL: int(5),
    RATE_LIMIT_LOGIN_PER_IP: int(100),
    RATE_LIMIT_LOGIN_WINDOW_SECONDS: int(15 * 60),
    /** Per verified credential: each user, each API key (a key may set its own), and each tenant by plan. */
    RATE_LIMIT_USER_PER_MINUTE: int(600),
    RATE_LIMIT_API_KEY_PER_MINUTE: int(600),
    RATE_LIMIT_TENANT_FREE_PER_MINUTE: int(300),
    RATE_LIMIT_TENANT_PRO_PER_MINUTE: int(1200),
    RATE_LIMIT_TENANT_ENTERPRISE_PER_MINUTE: int(6000),
    /** Shared rate-limit store: Redis (Node/Deno) or Upstash REST (any runtime); neither = in memory, per process. */
    REDIS_URL: z.string().url().optional(),
    UPSTASH_REDIS_REST_URL: z.string().url().optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
    /** Longest a rate-limit store may take to answer before the request goes on without it (or login answers 503). */
    RATE_LIMIT_STORE_TIMEOUT_MS: int(500),
    /** How long a verified credential's user/key/tenant rows are reused (src/lib/principal-cache.ts); 0 = read them every request. At most the spec's 60 s freshness bound. */
    PRINCIPAL_CACHE_TTL_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(60_000, 'PRINCIPAL_CACHE_TTL_MS must be at most 60000 (the 60 s freshness bound)')
      .default(30_000),
    BODY_LIMIT_BYTES: int(1024 * 1024),
    /** Bulk imports (POST /api/{leads|contacts|accounts}/import) carry up to 10,000 rows. */
    IMPORT_BODY_LIMIT_BYTES: int(10 * 1024 * 1024),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    /** Encrypts webhook endpoint secrets at rest (AES-GCM, HKDF-derived); unset: derived from JWT_SECRET, so rotating that key needs every endpoint's secret rotated. */
    WEBHOOK_SECRET_KEY: z.string().min(32, 'WEBHOOK_SECRET_KEY must be at least 32 characters').optional(),
    /** How long one webhook delivery attempt may take before it counts as failed. */
    WEBHOOK_TIMEOUT_MS: int(10_000),
    /** Node/Deno: how often the in-process delivery loop looks for due deliveries. */
    WEBHOOK_POLL_MS: int(1000),
    /** Node/Deno: `off` keeps this process from delivering webhooks (run `npm run jobs:webhooks` elsewhere instead). */
    WEBHOOK_WORKER: z.enum(['on', 'off']).default('on'),
    /** Outbound email: `console` writes emails to the log (development), `http` posts them to a Resend-style API. */
    EMAIL_PROVIDER: z.enum(['console', 'http']).default('console'),
    EMAIL_HTTP_URL: z.string().url().optional(),
    EMAIL_HTTP_TOKEN: z.string().optional(),
    EMAIL_FROM: z.string().optional(),
    EMAIL_HTTP_TIMEOUT_MS: int(5000),
    PASSWORD_RESET_TTL_SECONDS: int(60 * 60),
    /** At most one security alert email per type per tenant within this many seconds. */
    SECURITY_ALERT_INTERVAL_SECONDS: int(15 * 60),
  })
  .superRefine((env, ctx) => {
    if (env.EMAIL_PROVIDER === 'http') {
      for (const name of ['EMAIL_HTTP_URL', 'EMAIL_FROM'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when EMAIL_PROVIDER=http' });
      }
    }
    const upstash = [env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN].filter(Boolean).length;
    if (upstash === 1) {
      ctx.addIssue({
        code: 'custom',
        path: [env.UPSTASH_REDIS_REST_URL ? 'UPSTASH_REDIS_REST_TOKEN' : 'UPSTASH_REDIS_REST_URL'],
        message: 'set both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN',
      });
    }
    if (upstash && env.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'set either REDIS_URL or the UPSTASH_REDIS_REST_* pair, not both' });
    }
  });

export type Config = z.infer<typeof configSchema>;

/** Validates raw env; throws one error listing every missing or invalid variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = i.path.join('.');
      return env[name] === undefined ? `  ${name}: missing (${i.message})` : `  ${name}: ${i.message}`;
    });
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
