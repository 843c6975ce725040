import { beforeAll, describe, expect, it, vi } from 'vitest';
import { seedCrm } from '../../src/db/seed-crm.ts';
import { registerTenant } from '../billing-tenants.ts';
import { createHarness, type Harness, json, type Session, TEST_ENV } from '../harness.ts';
import { PRICE_PRO, signedEvent, startStripeFixture, subscriptionObject } from '../stripe-fixture.ts';
import { createEndpoint, drain, startReceiver } from './webhooks.helpers.ts';

/**
 * Every mutating operation of the OpenAPI document (POST/PUT/PATCH/DELETE)
 * has an entry here that performs one successful call and states the audit
 * rows it must leave: exactly one, with the named action, unless the entry
 * lists several or none and says why. A new mutating route without an entry
 * fails the first test. Audit rows are counted across all tenants with the
 * owner connection, so a row written to the wrong tenant still counts.
 */
let h: Harness;
let admin: Session;
let receiverUrl: string;
const ids: Record<string, string> = {};

interface Fixture {
  /** Work outside the counted window (creating what the call acts on). */
  prepare?: () => Promise<void>;
  call: () => Promise<Response>;
  status: number;
  /** The audit actions the call must add, exactly (order ignored). */
  actions: string[];
  /** Required when `actions` is not exactly one: why this route writes several or none. */
  reason?: string;
}

const auth = () => ({ token: admin.accessToken });
const body = (b: unknown) => ({ ...auth(), body: b });
const created = async (res: Response, key: string) => {
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  ids[key] = (await json(res)).data.id;
};

function crm(
  resource: 'leads' | 'contacts' | 'accounts' | 'deals' | 'activities',
  singular: string,
  create: () => Record<string, unknown>,
  update: Record<string, unknown>,
) {
  const path = `/api/${resource}`;
  return {
    [`POST ${path}`]: { call: () => h.request('POST', path, body(create())), status: 201, actions: [`${singular}.created`] },
    [`PATCH ${path}/{id}`]: {
      prepare: async () => created(await h.request('POST', path, body(create())), `${resource}-patch`),
      call: () => h.request('PATCH', `${path}/${ids[`${resource}-patch`]}`, body(update)),
      status: 200,
      actions: [`${singular}.updated`],
    },
    [`DELETE ${path}/{id}`]: {
      prepare: async () => created(await h.request('POST', path, body(create())), `${resource}-delete`),
      call: () => h.request('DELETE', `${path}/${ids[`${resource}-delete`]}`, auth()),
      status: 204,
      actions: [`${singular}.deleted`],
    },
  } satisfies Record<string, Fixture>;
}

let n = 0;
const unique = () => `${Date.now().toString(36)}${++n}`;

const fixtures: Record<string, Fixture> = {
  'POST /api/auth/register': {
    call: () =>
      h.request('POST', '/api/auth/register', {
        body: {
          tenantName: 'Walker Co',
          tenantSlug: `walker-${unique()}`,
          name: 'Owner',
          email: 'owner@walker.example',
          password: 'Plenty-long-passphrase-42',
        },
      }),
    status: 201,
    actions: ['tenant.registered'],
  },
  'POST /api/auth/login': {
    call: () => h.request('POST', '/api/auth/login', { body: { email: 'manager@acme.example', password: 'DemoPass!2026', tenant: 'acme' }, ip: '10.77.0.1' }),
    status: 200,
    actions: ['user.login'],
  },
  'POST /api/auth/refresh': {
    prepare: async () => {
      ids.refresh = (await h.login('acme', 'read_only')).refreshToken;
    },
    call: () => h.request('POST', '/api/auth/refresh', { body: { refreshToken: ids.refresh } }),
    status: 200,
    actions: [],
    reason: 'rotates the session token only; sessions are audited at login and logout, and a reused refresh token is a security event',
  },
  'POST /api/auth/logout': {
    prepare: async () => {
      const s = await h.login('acme', 'support_user');
      ids.logoutAccess = s.accessToken;
      ids.logoutRefresh = s.refreshToken;
    },
    call: () => h.request('POST', '/api/auth/logout', { token: ids.logoutAccess, body: { refreshToken: ids.logoutRefresh } }),
    status: 204,
    actions: ['user.logout'],
  },
  'POST /api/users/invitations': {
    call: () => h.request('POST', '/api/users/invitations', body({ email: `invitee-${unique()}@acme.example`, role: 'read_only' })),
    status: 201,
    actions: ['user.invited'],
  },
  'POST /api/auth/invitations/accept': {
    prepare: async () => {
      const res = await h.request('POST', '/api/users/invitations', body({ email: `accept-${unique()}@acme.example`, role: 'read_only' }));
      ids.invitation = new URL((await json(res)).data.acceptUrl).searchParams.get('token') ?? '';
    },
    call: () => h.request('POST', '/api/auth/invitations/accept', { body: { token: ids.invitation, password: 'Another-long-passphrase-7' } }),
    status: 200,
    actions: ['user.invitation_accepted'],
  },
  'POST /api/auth/password/forgot': {
    call: () => h.request('POST', '/api/auth/password/forgot', { body: { email: 'readonly@acme.example', tenant: 'acme' }, ip: '10.77.0.2' }),
    status: 202,
    actions: ['user.password_reset_requested'],
  },
  'POST /api/auth/password/reset': {
    prepare: async () => {
      const forgot = await h.request('POST', '/api/auth/password/forgot', { body: { email: 'manager@acme.example', tenant: 'acme' }, ip: '10.77.0.3' });
      expect(forgot.status).toBe(202);
      // The link is issued and emailed after the 202.
      await vi.waitFor(() => expect(h.emails.some((m) => m.to === 'manager@acme.example')).toBe(true));
      const mail = h.emails.filter((m) => m.to === 'manager@acme.example').at(-1);
      ids.resetToken = decodeURIComponent(/\/password\/reset\?token=(\S+)/.exec(mail?.text ?? '')?.[1] ?? '');
    },
    call: () => h.request('POST', '/api/auth/password/reset', { body: { token: ids.resetToken, password: 'Reset-long-passphrase-55' } }),
    status: 204,
    actions: ['user.password_reset'],
  },
  'PATCH /api/users/{id}': {
    prepare: async () => {
      ids.user = (await h.login('acme', 'sales_user')).userId;
    },
    call: () => h.request('PATCH', `/api/users/${ids.user}`, body({ name: 'Renamed Sales' })),
    status: 200,
    actions: ['user.updated'],
  },
  'POST /api/api-keys': {
    call: () => h.request('POST', '/api/api-keys', body({ name: 'walker', scopes: ['leads:read'] })),
    status: 201,
    actions: ['api_key.created'],
  },
  'POST /api/api-keys/{id}/rotate': {
    prepare: async () => created(await h.request('POST', '/api/api-keys', body({ name: 'rotate me', scopes: ['leads:read'] })), 'keyRotate'),
    call: () => h.request('POST', `/api/api-keys/${ids.keyRotate}/rotate`, auth()),
    status: 200,
    actions: ['api_key.rotated'],
  },
  'POST /api/api-keys/{id}/revoke': {
    prepare: async () => created(await h.request('POST', '/api/api-keys', body({ name: 'revoke me', scopes: ['leads:read'] })), 'keyRevoke'),
    call: () => h.request('POST', `/api/api-keys/${ids.keyRevoke}/revoke`, auth()),
    status: 200,
    actions: ['api_key.revoked'],
  },
  ...crm('leads', 'lead', () => ({ lastName: 'Walker', email: `lead-${unique()}@walker.example` }), { title: 'CTO' }),
  ...crm('contacts', 'contact', () => ({ lastName: 'Walker', email: `contact-${unique()}@walker.example` }), { title: 'CTO' }),
  ...crm('accounts', 'account', () => ({ name: 'Walker Ltd', domain: `walker-${unique()}.example` }), { industry: 'software' }),
  ...crm('deals', 'deal', () => ({ name: `Walker deal ${unique()}`, amount: 1000 }), { amount: 2000 }),
  ...crm('activities', 'activity', () => ({ type: 'note', subject: 'Walker note' }), { subject: 'Walker note, edited' }),
  'POST /api/leads/import': {
    call: () => h.request('POST', '/api/leads/import', body([{ lastName: 'Imported', email: `imp-${unique()}@walker.example` }, { lastName: 'Imported 2' }])),
    status: 200,
    actions: ['lead.imported'],
  },
  'POST /api/contacts/import': {
    call: () =>
      h.request('POST', '/api/contacts/import', body([{ lastName: 'Imported', email: `imp-${unique()}@walker.example` }, { lastName: 'Imported 2' }])),
    status: 200,
    actions: ['contact.imported'],
  },
  'POST /api/accounts/import': {
    call: () => h.request('POST', '/api/accounts/import', body([{ name: 'Imported A' }, { name: 'Imported B' }])),
    status: 200,
    actions: ['account.imported'],
  },
  'POST /api/leads/{id}/convert': {
    prepare: async () => created(await h.request('POST', '/api/leads', body({ lastName: 'Convert', email: `conv-${unique()}@walker.example` })), 'convert'),
    call: () => h.request('POST', `/api/leads/${ids.convert}/convert`, body({})),
    status: 201,
    actions: ['lead.converted', 'contact.created'],
    reason: 'a conversion changes several records: one row per record it creates (here the contact) plus lead.converted',
  },
  'POST /api/pipelines': {
    call: () => h.request('POST', '/api/pipelines', body({ name: `Walker ${unique()}`, stages: [{ name: 'One', probability: 10 }] })),
    status: 201,
    actions: ['pipeline.created'],
  },
  'PATCH /api/pipelines/{id}': {
    prepare: async () =>
      created(await h.request('POST', '/api/pipelines', body({ name: `Patch ${unique()}`, stages: [{ name: 'One', probability: 10 }] })), 'pipelinePatch'),
    call: () => h.request('PATCH', `/api/pipelines/${ids.pipelinePatch}`, body({ name: `Renamed ${unique()}` })),
    status: 200,
    actions: ['pipeline.updated'],
  },
  'DELETE /api/pipelines/{id}': {
    prepare: async () =>
      created(await h.request('POST', '/api/pipelines', body({ name: `Delete ${unique()}`, stages: [{ name: 'One', probability: 10 }] })), 'pipelineDelete'),
    call: () => h.request('DELETE', `/api/pipelines/${ids.pipelineDelete}`, auth()),
    status: 204,
    actions: ['pipeline.deleted'],
  },
  'POST /api/custom-fields': {
    call: () => h.request('POST', '/api/custom-fields', body({ resource: 'deals', key: `f_${unique()}`, label: 'F', type: 'text' })),
    status: 201,
    actions: ['custom_field.created'],
  },
  'PATCH /api/custom-fields/{id}': {
    prepare: async () =>
      created(await h.request('POST', '/api/custom-fields', body({ resource: 'deals', key: `p_${unique()}`, label: 'P', type: 'text' })), 'fieldPatch'),
    call: () => h.request('PATCH', `/api/custom-fields/${ids.fieldPatch}`, body({ label: 'Renamed' })),
    status: 200,
    actions: ['custom_field.updated'],
  },
  'DELETE /api/custom-fields/{id}': {
    prepare: async () =>
      created(await h.request('POST', '/api/custom-fields', body({ resource: 'deals', key: `d_${unique()}`, label: 'D', type: 'text' })), 'fieldDelete'),
    call: () => h.request('DELETE', `/api/custom-fields/${ids.fieldDelete}`, auth()),
    status: 204,
    actions: ['custom_field.deleted'],
  },
  'POST /api/billing/checkout': {
    call: () => h.request('POST', '/api/billing/checkout', body({ plan: 'pro' })),
    status: 200,
    actions: ['billing.customer_linked', 'billing.checkout_started'],
    reason: 'the first checkout also links the tenant to its new Stripe customer: one row for each change',
  },
  'POST /api/billing/portal': { call: () => h.request('POST', '/api/billing/portal', auth()), status: 200, actions: ['billing.portal_opened'] },
  'PATCH /api/platform/tenants/{tenant}': {
    prepare: async () => {
      ids.platformTenant = (await registerTenant(h, `plat-${unique()}`)).tenantId;
    },
    call: () =>
      h.request('PATCH', `/api/platform/tenants/${ids.platformTenant}`, {
        headers: { authorization: `Bearer ${TEST_ENV.PLATFORM_ADMIN_KEY}` },
        body: { status: 'suspended' },
      }),
    status: 200,
    actions: ['tenant.suspended'],
  },
  'POST /api/webhooks/stripe': {
    prepare: async () => {
      const t = await registerTenant(h, `stripe-${unique()}`);
      ids.stripeCustomer = `cus_walker${unique()}`;
      await h.raw.query('update tenants set stripe_customer_id = $1 where id = $2', [ids.stripeCustomer, t.tenantId]);
    },
    call: async () => {
      const object = subscriptionObject({ id: `sub_walker${unique()}`, customer: ids.stripeCustomer as string, status: 'active', price: PRICE_PRO });
      const signed = await signedEvent({ type: 'customer.subscription.updated', object });
      return h.request('POST', '/api/webhooks/stripe', {
        body: signed.payload,
        headers: { 'content-type': 'application/json', 'stripe-signature': signed.signature },
      });
    },
    status: 200,
    // One row (actor system) per event that changes a tenant's billing state; a replayed, stale or ignored event writes none (stripe-webhook.security.test.ts).
    actions: ['billing.subscription.updated'],
  },
  'DELETE /api/tenant': {
    prepare: async () => {
      const slug = `gone-${unique()}`;
      ids.goneSlug = slug;
      ids.goneToken = (await registerTenant(h, slug)).token;
    },
    call: () => h.request('DELETE', '/api/tenant', { token: ids.goneToken, body: { confirm: ids.goneSlug } }),
    status: 200,
    actions: [],
    reason: "the tenant's audit log is deleted with the tenant; the lasting record is the tenant.deleted log line (tenant-delete.security.test.ts)",
  },
  'POST /api/webhooks': {
    call: () => h.request('POST', '/api/webhooks', body({ url: receiverUrl, eventTypes: ['lead.created'] })),
    status: 201,
    actions: ['webhook.created'],
  },
  'PATCH /api/webhooks/{id}': {
    prepare: async () => {
      ids.hookPatch = (await createEndpoint(h, admin.accessToken, { url: receiverUrl })).id;
    },
    call: () => h.request('PATCH', `/api/webhooks/${ids.hookPatch}`, body({ description: 'edited' })),
    status: 200,
    actions: ['webhook.updated'],
  },
  'DELETE /api/webhooks/{id}': {
    prepare: async () => {
      ids.hookDelete = (await createEndpoint(h, admin.accessToken, { url: receiverUrl })).id;
    },
    call: () => h.request('DELETE', `/api/webhooks/${ids.hookDelete}`, auth()),
    status: 204,
    actions: ['webhook.deleted'],
  },
  'POST /api/webhooks/{id}/rotate-secret': {
    prepare: async () => {
      ids.hookRotate = (await createEndpoint(h, admin.accessToken, { url: receiverUrl })).id;
    },
    call: () => h.request('POST', `/api/webhooks/${ids.hookRotate}/rotate-secret`, auth()),
    status: 200,
    actions: ['webhook.secret_rotated'],
  },
  'POST /api/webhooks/{id}/test': {
    prepare: async () => {
      ids.hookTest = (await createEndpoint(h, admin.accessToken, { url: receiverUrl })).id;
    },
    call: () => h.request('POST', `/api/webhooks/${ids.hookTest}/test`, auth()),
    status: 202,
    actions: ['webhook.tested'],
  },
  'POST /api/webhooks/deliveries/{id}/redeliver': {
    prepare: async () => {
      const hook = (await createEndpoint(h, admin.accessToken, { url: receiverUrl })).id;
      expect((await h.request('POST', `/api/webhooks/${hook}/test`, auth())).status).toBe(202);
      await drain(h);
      const res = await h.request('GET', `/api/webhooks/${hook}/deliveries`, auth());
      ids.delivery = (await json(res)).data[0].id;
    },
    call: () => h.request('POST', `/api/webhooks/deliveries/${ids.delivery}/redeliver`, auth()),
    status: 202,
    actions: ['webhook.redelivered'],
  },
  'POST /api/privacy/erase': {
    prepare: async () => created(await h.request('POST', '/api/leads', body({ lastName: 'Forget', email: 'forget.me@walker.example' })), 'erase'),
    call: () => h.request('POST', '/api/privacy/erase', body({ email: 'forget.me@walker.example' })),
    status: 200,
    actions: ['privacy.erased'],
  },
};

async function mutatingOperations(): Promise<string[]> {
  const res = await h.request('GET', '/openapi.json');
  expect(res.status).toBe(200);
  const doc = (await json(res)) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

const auditActions = async () => (await h.raw.query<{ id: string; action: string }>('select id::text, action from audit_logs')).map((r) => r);

beforeAll(async () => {
  const stripe = await startStripeFixture();
  h = await createHarness({ ...stripe.env, APP_URL: 'https://app.crm.test' });
  receiverUrl = (await startReceiver()).url;
  await seedCrm(h.db, await h.tenantId('acme'), { accounts: 3, contacts: 3, leads: 3, deals: 3, activities: 3 });
  admin = await h.login('acme', 'tenant_admin');
});

describe('audit coverage of the OpenAPI document', () => {
  it('every mutating operation has a fixture or a documented reason, and no entry names an operation that does not exist', async () => {
    const operations = await mutatingOperations();
    const missing = operations.filter((op) => !(op in fixtures));
    expect(missing, 'mutating routes without an audit fixture: add them to test/http/audit-coverage.test.ts').toEqual([]);
    const stale = Object.keys(fixtures).filter((op) => !operations.includes(op));
    expect(stale).toEqual([]);
    for (const [op, f] of Object.entries(fixtures)) if (f.actions.length !== 1) expect(f.reason, `${op} writes ${f.actions.length} rows: say why`).toBeTruthy();
  });

  for (const [op, fixture] of Object.entries(fixtures)) {
    it(`${op} → ${fixture.actions.join(' + ') || 'no audit row'}`, async () => {
      await fixture.prepare?.();
      const before = new Set((await auditActions()).map((r) => r.id));
      const res = await fixture.call();
      expect(res.status, await res.clone().text()).toBe(fixture.status);
      const added = async () => (await auditActions()).filter((r) => !before.has(r.id)).map((r) => r.action);
      // Some routes finish their work after answering (password reset requests): wait for the rows, then require exactly them.
      await vi.waitFor(async () => expect((await added()).length).toBeGreaterThanOrEqual(fixture.actions.length));
      expect((await added()).sort()).toEqual([...fixture.actions].sort());
    });
  }
});
