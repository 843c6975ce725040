import { createMiddleware } from 'hono/factory';
import { allows } from '../lib/access.ts';
import type { AppEnv } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';
import type { Action, Resource } from '../lib/permissions.ts';
import { type Feature, hasFeature, writesBlocked } from '../lib/plans.ts';
import { requiresScope } from '../lib/route-security.ts';
import { requiredScope } from '../lib/scopes.ts';

/**
 * Pipeline steps permission check → plan/subscription check, declared per
 * route. Runs after `authenticate`. Users are checked against the role
 * matrix, API keys against their scopes (src/lib/access.ts). Billing stays reachable in every tenant
 * state: it is how a suspended or overdue tenant gets back in good standing.
 */
export function authorize(resource: Resource, action: Action, feature?: Feature) {
  const step = createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get('principal');
    const { tenant } = principal;
    if (!allows(principal, resource, action)) {
      throw new ApiError(
        'insufficient_permissions',
        principal.kind === 'api_key'
          ? `This API key lacks the scope ${requiredScope(resource, action)}`
          : `Your role cannot ${action} ${resource.replace('_', ' ')}`,
      );
    }
    if (resource !== 'billing') {
      if (tenant.status === 'suspended') throw new ApiError('tenant_suspended', 'This tenant is suspended');
      if (action !== 'read' && action !== 'export' && writesBlocked(tenant, c.get('deps').config.BILLING_GRACE_PERIOD_DAYS)) {
        throw new ApiError(
          'subscription_past_due',
          'Payment for this subscription is overdue and the grace period has ended; data stays readable. Update the payment method through POST /api/billing/portal',
        );
      }
    }
    if (feature && !hasFeature(tenant.plan, feature)) {
      throw new ApiError(
        'plan_feature_unavailable',
        `Your plan does not include ${feature === 'customFields' ? 'custom fields' : 'API keys'}; upgrade to Enterprise`,
      );
    }
    await next();
  });
  return requiresScope(step, requiredScope(resource, action));
}
