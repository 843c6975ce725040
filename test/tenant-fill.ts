import { expect } from 'vitest';
import { seedCrm } from '../src/db/seed-crm.ts';
import { type Harness, json } from './harness.ts';

/**
 * Gives a demo tenant rows in (nearly) every tenant table through the API:
 * CRM records, sessions, an idempotency record, a custom field, an API key,
 * an invitation, a security event and the audit rows all of that writes.
 * Returns the credentials it issued.
 */
export async function fillTenant(h: Harness, slug: string, seed: number, crmRows = 10) {
  const tenantId = await h.tenantId(slug);
  await seedCrm(h.db, tenantId, { accounts: crmRows, contacts: crmRows, leads: crmRows, deals: crmRows, activities: crmRows }, seed);
  const admin = await h.login(slug, 'tenant_admin');
  const token = admin.accessToken;
  const ok = async (res: Response | Promise<Response>, status: number) => {
    const r = await res;
    expect(r.status, await r.clone().text()).toBe(status);
    return json(r);
  };
  await ok(
    h.request('POST', '/api/leads', {
      token,
      body: { lastName: `Idem ${slug}`, email: `idem@${slug}.example` },
      headers: { 'idempotency-key': `fill-${slug}` },
    }),
    201,
  );
  await ok(h.request('POST', '/api/custom-fields', { token, body: { resource: 'leads', key: 'segment', label: 'Segment', type: 'text' } }), 201);
  const key = await ok(h.request('POST', '/api/api-keys', { token, body: { name: 'fill key', scopes: ['*', 'tenant:admin'] } }), 201);
  const invite = await ok(h.request('POST', '/api/users/invitations', { token, body: { email: `invitee@${slug}.example`, role: 'sales_user' } }), 201);
  // A credential sent to another tenant: recorded as a security event in both.
  const other = slug === 'acme' ? 'mycompany' : 'acme';
  expect((await h.request('GET', '/api/leads', { token, headers: { 'x-tenant-id': other } })).status).toBe(403);
  return { tenantId, admin, apiKey: key.data.secret as string, acceptUrl: invite.data.acceptUrl as string };
}
