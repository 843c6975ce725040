/**
 * Compile-time checks of the typed client (type-checked by `npm run
 * typecheck` and by test/e2e/quickstart.test.ts). Every router's types come
 * from its route definitions; each check below fails the build if a router
 * lost them: `typed()` refuses `any` and index-signature shapes (what a
 * response decays to when a router is not a typed chain), and each
 * @ts-expect-error fails once the types go loose.
 */
import { createClient } from '../../src/client.ts';

const api = createClient('http://127.0.0.1:8787', { token: 't' });
const platform = createClient('http://127.0.0.1:8787', { token: 'platform-key' });

/** Compiles only for a precise type: not any, unknown, or a record with an index signature. */
function typed<T>(value: unknown extends T ? never : string extends keyof T ? never : T): T {
  return value;
}

export async function auth() {
  const login = await api.api.auth.login.$post({ json: { email: 'a@b.example', password: 'x', tenant: 'acme' } });
  if (login.status === 200) {
    const { tokens, user } = typed((await login.json()).data);
    tokens.accessToken satisfies string;
    user.role satisfies 'tenant_admin' | 'manager' | 'sales_user' | 'support_user' | 'read_only';
    // @ts-expect-error tokens have no such field
    tokens.password;
  }
  // @ts-expect-error login needs a password
  await api.api.auth.login.$post({ json: { email: 'a@b.example' } });
  // @ts-expect-error unknown fields are rejected by the API and by the types
  await api.api.auth.login.$post({ json: { email: 'a@b.example', password: 'x', role: 'tenant_admin' } });

  const me = await api.api.auth.me.$get();
  if (me.status === 200) typed((await me.json()).data).user.email satisfies string;

  const users = await api.api.users.$get({ query: {} });
  if (users.status === 200) typed((await users.json()).data[0])?.status satisfies 'invited' | 'active' | 'inactive' | undefined;

  const events = await api.api['security-events'].$get({ query: {} });
  if (events.status === 200) typed((await events.json()).data);
}

export async function crm() {
  const lead = await api.api.leads.$post({ json: { lastName: 'Hopper', score: 70 } });
  if (lead.status === 201) {
    const data = typed((await lead.json()).data);
    data.status satisfies 'new' | 'contacted' | 'qualified' | 'unqualified' | 'converted';
    // @ts-expect-error no such field on a lead
    data.amount;
  }
  // @ts-expect-error score is a number
  await api.api.leads.$post({ json: { lastName: 'Hopper', score: '70' } });
  await api.api.leads[':id'].$patch({ param: { id: 'x' }, json: { status: 'qualified' } });
  // @ts-expect-error converted is reached only through /convert
  await api.api.leads[':id'].$patch({ param: { id: 'x' }, json: { status: 'converted' } });

  const converted = await api.api.leads[':id'].convert.$post({ param: { id: 'x' }, json: {} });
  if (converted.status === 201) typed((await converted.json()).data).contact;

  const contact = await api.api.contacts[':id'].$get({ param: { id: 'x' } });
  if (contact.status === 200) {
    const data = typed((await contact.json()).data);
    data.email satisfies string | null;
    if ('recentActivities' in data) data.recentActivities satisfies Record<string, unknown>[];
  }
  const accounts = await api.api.accounts.$get({ query: { limit: '10' } });
  if (accounts.status === 200) typed((await accounts.json()).pagination).nextCursor satisfies string | null;
  // @ts-expect-error accounts have a name, not a lastName
  await api.api.accounts.$post({ json: { lastName: 'Acme' } });

  const deal = await api.api.deals.$post({ json: { name: 'Renewal', amount: 1200, pipelineId: 'p', stageId: 's' } });
  if (deal.status === 201) typed((await deal.json()).data).amount satisfies number;
  await api.api.deals.$get({ query: { limit: '10' } });

  const activity = await api.api.activities.$post({ json: { type: 'call', subject: 'Intro call' } });
  if (activity.status === 201) typed((await activity.json()).data).type satisfies 'call' | 'email' | 'meeting' | 'note' | 'task';

  const imported = await api.api.contacts.import.$post({ query: {}, json: [{ lastName: 'Lovelace' }] });
  if (imported.status === 200) typed(await imported.json());
  await api.api.leads.export.$get({ query: {} });

  const pipelines = await api.api.pipelines.$get({ query: {} });
  if (pipelines.status === 200) typed((await pipelines.json()).data[0])?.stages[0]?.probability satisfies number | undefined;
  // @ts-expect-error a pipeline needs stages
  await api.api.pipelines.$post({ json: { name: 'Sales' } });

  const field = await api.api['custom-fields'].$post({ json: { resource: 'leads', key: 'segment', label: 'Segment', type: 'text' } });
  if (field.status === 201) typed((await field.json()).data).type satisfies 'text' | 'number' | 'date' | 'boolean' | 'select' | 'multiselect' | 'url' | 'email';
  // @ts-expect-error no such field type
  await api.api['custom-fields'].$post({ json: { resource: 'leads', key: 'segment', label: 'Segment', type: 'color' } });

  // @ts-expect-error no such route
  await api.api.nope.$get();
}

export async function administration() {
  const key = await api.api['api-keys'].$post({ json: { name: 'CI', scopes: ['leads:read'] } });
  if (key.status === 201) typed((await key.json()).data).secret satisfies string;
  const keys = await api.api['api-keys'].$get({ query: {} });
  if (keys.status === 200) {
    const first = typed((await keys.json()).data[0]);
    first?.status satisfies 'active' | 'expired' | 'revoked' | undefined;
    // @ts-expect-error a listed key never carries its secret
    first?.secret;
  }
  await api.api['api-keys'][':id'].revoke.$post({ param: { id: 'x' } });

  const billing = await api.api.billing.$get();
  if (billing.status === 200) typed((await billing.json()).data).usage.leadsAndContacts.used satisfies number;
  // @ts-expect-error checkout is for a paid plan
  await api.api.billing.checkout.$post({ json: { plan: 'free' } });

  const webhooks = await api.api.webhooks.$get({ query: {} });
  if (webhooks.status === 200) typed((await webhooks.json()).data[0])?.enabled satisfies boolean | undefined;

  await api.api.tenant.export.$get({ query: {} });

  const tenants = await platform.api.platform.tenants.$get({ query: {} });
  if (tenants.status === 200) typed((await tenants.json()).data[0])?.status satisfies 'active' | 'suspended' | undefined;
  await platform.api.platform.tenants[':tenant'].$patch({ param: { tenant: 'acme' }, json: { status: 'suspended' } });
}
