import type { RouteHandler } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { type SubscriptionStatus, tenants } from '../../db/schema/index.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { ApiError } from '../../lib/errors.ts';
import { callStripe, stripeClient } from '../../lib/stripe.ts';
import { tenantArchive } from './tenant.export.ts';
import type * as routes from './tenant.routes.ts';
import { deleteTenantRows } from './tenant.service.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

/** Subscriptions Stripe has already ended: nothing left to cancel. */
const ENDED: readonly SubscriptionStatus[] = ['canceled', 'incomplete_expired'];

export const exportTenant: Handler<'exportTenant'> = async (c) => {
  const { tenant } = c.get('principal');
  const tenantDb = c.get('tenantDb');
  const generatedAt = new Date();
  await tenantDb.transaction((s) => audit(c, s, { action: 'tenant.exported', resourceType: 'tenant', resourceId: tenant.id, changes: { generatedAt } }));
  const body = tenantArchive(tenantDb, { tenantId: tenant.id, generatedAt }, (error) =>
    // The 200 is already sent: the client sees a cut-off archive, the log says why.
    c.get('deps').logger.error('tenant export failed mid-stream', {
      requestId: c.get('requestId'),
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  return c.body(body, 200, {
    'Content-Type': 'application/zip',
    'Content-Disposition': `attachment; filename="${tenant.slug}-export-${generatedAt.toISOString().slice(0, 10)}.zip"`,
    'Cache-Control': 'no-store',
  }) as never;
};

export const deleteTenant: Handler<'deleteTenant'> = async (c) => {
  const { confirm } = c.req.valid('json');
  const { config, logger } = c.get('deps');
  const principal = c.get('principal');
  const requestId = c.get('requestId');
  const tenantDb = c.get('tenantDb');
  const [rows] = await tenantDb.batch(
    (s) =>
      [
        s.q
          .select({ slug: tenants.slug, subscriptionId: tenants.stripeSubscriptionId, subscriptionStatus: tenants.subscriptionStatus })
          .from(tenants)
          .where(eq(tenants.id, s.tenantId))
          .limit(1),
      ] as const,
  );
  const tenant = rows[0];
  if (!tenant) throw new ApiError('unauthorized', 'Access token is no longer valid');
  if (confirm !== tenant.slug) {
    throw new ApiError('validation_error', "The confirmation does not match this tenant's slug", [
      { field: 'confirm', message: "must equal the tenant's slug" },
    ]);
  }

  // Stripe first: if it cannot cancel, the tenant stays whole (503) rather than leaving a subscription billing a deleted tenant.
  const { subscriptionId, subscriptionStatus } = tenant;
  const cancel = subscriptionId !== null && (subscriptionStatus === null || !ENDED.includes(subscriptionStatus));
  if (cancel) {
    const stripe = await stripeClient(config);
    await callStripe(logger, requestId, 'subscriptions.cancel', () => stripe.subscriptions.cancel(subscriptionId));
  }

  const deleted = await tenantDb.transaction((s) => deleteTenantRows(s));
  // Cached credentials of this tenant die with it on this instance; elsewhere a cached one finds no rows (RLS) and cannot write (foreign keys).
  c.get('principals').invalidateTenant(tenantDb.tenantId);
  // The tenant's audit log is gone with it: this line is the lasting record (ids and counts, no personal data).
  logger.info('tenant.deleted', {
    requestId,
    tenantId: tenantDb.tenantId,
    actorType: principal.kind,
    actorId: principal.kind === 'user' ? principal.userId : principal.keyId,
    subscriptionCanceled: cancel,
    deleted,
  });
  return c.json({ data: { tenantId: tenantDb.tenantId, subscriptionCanceled: cancel, deleted } }, 200);
};
