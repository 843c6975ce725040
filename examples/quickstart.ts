/**
 * Quickstart: log in as a demo user, create a lead, list leads.
 *
 *   npm run dev                               # in another terminal
 *   npx tsx examples/quickstart.ts            # or: API_URL=http://127.0.0.1:8787 npx tsx examples/quickstart.ts
 *
 * Everything below is typed from the API's own route definitions: try
 * misspelling a field and run `npx tsc --noEmit`.
 */
import { createClient } from 'crm-edge-api/client';

const baseUrl = process.env.API_URL ?? 'http://127.0.0.1:8787';

// 1. Log in (demo tenant "acme"; the demo data exists in development only).
const anonymous = createClient(baseUrl, { tenant: 'acme' });
const login = await anonymous.api.auth.login.$post({ json: { email: 'sales@acme.example', password: 'DemoPass!2026' } });
if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(await login.json())}`);
const { user, tenant, tokens } = (await login.json()).data;
console.log(`Logged in as ${user.email} (${user.role}) in tenant ${tenant.slug}`);

// 2. Create a lead with the access token.
const api = createClient(baseUrl, { token: tokens.accessToken });
const created = await api.api.leads.$post({
  json: { firstName: 'Grace', lastName: 'Hopper', email: `grace+${Date.now()}@navy.example`, company: 'US Navy', source: 'quickstart', score: 70 },
});
if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(await created.json())}`);
const lead = (await created.json()).data;
console.log(`Created lead ${lead.id}: ${lead.firstName} ${lead.lastName} <${lead.email}> (status ${lead.status})`);

// 3. List the newest leads.
const listed = await api.api.leads.$get({ query: { limit: '5', sort: '-createdAt' } });
if (listed.status !== 200) throw new Error(`list failed: ${listed.status} ${JSON.stringify(await listed.json())}`);
const page = await listed.json();
console.log(`Newest ${page.data.length} leads (next cursor: ${page.pagination.nextCursor ?? 'none'}):`);
for (const l of page.data) console.log(`  ${l.id}  ${l.lastName}, ${l.firstName}  ${l.company ?? '-'}  score ${l.score}`);
