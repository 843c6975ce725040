import { exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';

/** CSV import, the list and streamed export inside workerd (no Node APIs on the path). */
const { skip } = inject('workers');

async function call(method: string, path: string, init: { body?: string; type?: string; token?: string } = {}) {
  const headers = new Headers({ 'CF-Connecting-IP': '203.0.113.9' });
  if (init.type) headers.set('Content-Type', init.type);
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  return exports.default.fetch(new Request(`http://localhost${path}`, { method, headers, body: init.body }));
}

describe.skipIf(skip)('bulk import and export on workerd', () => {
  it('imports CSV, lists it page by page (a compiled statement over Neon HTTP) and streams it back as CSV', async () => {
    const reg = await call('POST', '/api/auth/register', {
      type: 'application/json',
      body: JSON.stringify({
        tenantName: 'Tenant bulk',
        tenantSlug: 'wk-bulk',
        name: 'Ada Admin',
        email: 'ada@wk-bulk.example',
        password: 'worker-tests-Pa55phrase',
      }),
    });
    expect(reg.status).toBe(201);
    const token = ((await reg.json()) as { data: { tokens: { accessToken: string } } }).data.tokens.accessToken;
    const csv = 'lastName,email,notes\r\n"Lovelace, Ada",ada@bulk.example,"=1+1 ""quoted""\r\nline two"\r\nHopper,grace@bulk.example,\r\n';
    const imported = await call('POST', '/api/contacts/import', { type: 'text/csv', body: csv, token });
    expect(imported.status).toBe(200);
    expect(((await imported.json()) as { data: unknown }).data).toEqual({ created: 2, updated: 0, failed: 0, errors: [] });
    type Page = { data: { lastName: string; createdAt: string }[]; pagination: { nextCursor: string | null } };
    const first = (await (await call('GET', '/api/contacts?sort=lastName&limit=1', { token })).json()) as Page;
    expect(first.data.map((c) => c.lastName)).toEqual(['Hopper']);
    expect(first.data[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    const second = (await (await call('GET', `/api/contacts?sort=lastName&limit=1&cursor=${first.pagination.nextCursor}`, { token })).json()) as Page;
    expect(second.data.map((c) => c.lastName)).toEqual(['Lovelace, Ada']);
    const exported = await call('GET', '/api/contacts/export?sort=lastName', { token });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toMatch(/^attachment;/);
    const text = await exported.text();
    expect(text.split('\r\n')[0]).toBe('id,firstName,lastName,email,phone,title,accountId,ownerId,notes,customFields,createdAt,updatedAt');
    expect(text).toContain(`,"'=1+1 ""quoted""\r\nline two",`);
    expect(text).toContain(',grace@bulk.example,');
  });
});
