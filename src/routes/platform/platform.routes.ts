import { createRoute, z } from '@hono/zod-openapi';
import { planIds, subscriptionStatuses, tenantStatuses } from '../../db/schema/index.ts';
import { dataEnvelope, errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { paginationQuery, paginationSchema } from '../../lib/pagination.ts';

const tags = ['Platform'];
const security = [{ platformKey: [] }];
const usageEntry = z.object({ used: z.number().int(), limit: z.number().int().nullable() });

const platformTenantSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    status: z.enum(tenantStatuses),
    plan: z.enum(planIds).openapi({ description: 'Effective plan (override, else the subscription plan)' }),
    planOverride: z.enum(planIds).nullable(),
    subscription: z
      .object({
        status: z.enum(subscriptionStatuses),
        currentPeriodEnd: z.string().datetime().nullable(),
        pastDueSince: z.string().datetime().nullable(),
        stripeSubscriptionId: z.string().nullable(),
      })
      .nullable(),
    stripeCustomerId: z.string().nullable(),
    usage: z.object({ users: usageEntry, leadsAndContacts: usageEntry }),
    createdAt: z.string().datetime(),
  })
  .openapi('PlatformTenant', {
    example: {
      id: '3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      slug: 'acme',
      name: 'Acme Corp',
      status: 'active',
      plan: 'enterprise',
      planOverride: null,
      subscription: { status: 'active', currentPeriodEnd: '2026-03-12T10:15:00.000Z', pastDueSince: null, stripeSubscriptionId: 'sub_1QaBcDeFgHiJkL' },
      stripeCustomerId: 'cus_QaBcDeFgHiJkLm',
      usage: { users: { used: 5, limit: null }, leadsAndContacts: { used: 1843, limit: null } },
      createdAt: '2026-01-05T08:00:00.000Z',
    },
  });

const tenantParam = z.object({
  tenant: z
    .string()
    .regex(/^[a-z0-9-]{3,40}$|^[0-9a-f-]{36}$/i)
    .openapi({ param: { name: 'tenant', in: 'path' }, description: 'Tenant id or slug', example: 'acme' }),
});

export const list = createRoute({
  method: 'get',
  path: '/tenants',
  tags,
  security,
  summary: 'List tenants with plan, subscription and usage',
  request: {
    query: paginationQuery.extend({ status: z.enum(tenantStatuses).optional(), plan: z.enum(planIds).optional() }).strict(),
  },
  responses: {
    200: jsonContent(z.object({ data: z.array(platformTenantSchema), pagination: paginationSchema }), 'A page of tenants, newest first'),
    ...errorResponses(400, 401),
  },
});

export const get = createRoute({
  method: 'get',
  path: '/tenants/{tenant}',
  tags,
  security,
  summary: 'One tenant with plan, subscription and usage',
  request: { params: tenantParam },
  responses: { 200: jsonContent(dataEnvelope(platformTenantSchema), 'The tenant'), ...errorResponses(400, 401, 404) },
});

export const update = createRoute({
  method: 'patch',
  path: '/tenants/{tenant}',
  tags,
  security,
  summary: 'Suspend or reactivate a tenant; set or clear its plan override (comped plan)',
  description:
    '`status: "suspended"` answers 403 tenant_suspended on every tenant route except billing, from the next request on. `planOverride` wins over the Stripe subscription until set to null. Audited in the tenant (actor type `platform`).',
  request: {
    params: tenantParam,
    body: jsonBody(
      z
        .strictObject({
          status: z.enum(tenantStatuses).optional(),
          planOverride: z.enum(planIds).nullable().optional(),
          reason: z.string().trim().min(1).max(500).optional().openapi({ description: 'Kept in the audit log' }),
        })
        .refine((b) => b.status !== undefined || b.planOverride !== undefined, { message: 'set status or planOverride', path: ['status'] })
        .openapi('PlatformTenantUpdate'),
    ),
  },
  responses: { 200: jsonContent(dataEnvelope(platformTenantSchema), 'The updated tenant'), ...errorResponses(400, 401, 404) },
});
