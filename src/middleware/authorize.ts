import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../lib/context.ts';
import { ApiError } from '../lib/errors.ts';
import { type Action, can, type Resource } from '../lib/permissions.ts';
import { type Feature, hasFeature } from '../lib/plans.ts';

/**
 * Pipeline steps permission check → plan/subscription check, declared per
 * route. Runs after `authenticate`.
 */
export function authorize(resource: Resource, action: Action, feature?: Feature) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get('principal');
    if (!can(principal.role, resource, action)) {
      throw new ApiError('insufficient_permissions', `Your role cannot ${action} ${resource.replace('_', ' ')}`);
    }
    if (principal.tenant.status === 'suspended' && resource !== 'billing') {
      throw new ApiError('tenant_suspended', 'This tenant is suspended');
    }
    if (feature && !hasFeature(principal.tenant.plan, feature)) {
      throw new ApiError('plan_feature_unavailable', `Your plan does not include ${feature === 'customFields' ? 'custom fields' : 'API keys'}; upgrade to Enterprise`);
    }
    await next();
  });
}
