/**
 * Compile-time checks of the typed client (type-checked by `npm run
 * typecheck` and by test/client/quickstart.test.ts): each @ts-expect-error
 * fails the build if the client's types went loose (any).
 */
import { createClient } from '../../src/client.ts';

const api = createClient('http://127.0.0.1:8787', { token: 't' });

export async function typed() {
  const login = await api.api.auth.login.$post({ json: { email: 'a@b.example', password: 'x', tenant: 'acme' } });
  if (login.status === 200) {
    const { tokens, user } = (await login.json()).data;
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
  if (me.status === 200) (await me.json()).data.user.email satisfies string;

  const users = await api.api.users.$get({ query: {} });
  if (users.status === 200) (await users.json()).data[0]?.status satisfies 'invited' | 'active' | 'inactive' | undefined;

  const lead = await api.api.leads.$post({ json: { lastName: 'Hopper', score: 70 } });
  if (lead.status === 201) {
    const data = (await lead.json()).data;
    data.status satisfies 'new' | 'contacted' | 'qualified' | 'unqualified' | 'converted';
    // @ts-expect-error no such field on a lead
    data.amount;
  }
  // @ts-expect-error score is a number
  await api.api.leads.$post({ json: { lastName: 'Hopper', score: '70' } });
  await api.api.leads[':id'].$patch({ param: { id: 'x' }, json: { status: 'qualified' } });
  await api.api.deals.$get({ query: { limit: '10' } });
  // @ts-expect-error no such route
  await api.api.nope.$get();
}
