import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/routes/crm/shared/csv.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

/**
 * Lists and CSV exports read their rows straight in the API's form (Scoped.selectShaped with `columns` and
 * `isoTimestamps`), while GET /{id} goes through drizzle's Dates and toApi: both must show a record the same.
 */
let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  const post = async (path: string, body: Record<string, unknown>) => {
    const res = await h.request('POST', path, { token: admin.accessToken, body });
    expect(res.status, path).toBe(201);
    return (await json(res)).data;
  };
  const account = await post('/api/accounts', { name: 'Rows Co', industry: 'Retail' });
  const contact = await post('/api/contacts', { lastName: 'Rows', email: 'rows@rows.example', accountId: account.id });
  await post('/api/leads', { lastName: 'Rows', email: 'rows-lead@rows.example', status: 'contacted', score: 7 });
  await post('/api/pipelines', { name: 'Rows', isDefault: true, stages: [{ name: 'Open', probability: 10 }] });
  await post('/api/deals', { name: 'Rows deal', amount: 12_345, currency: 'EUR', expectedCloseDate: '2026-09-30', contactId: contact.id });
  // An offset due date (stored and shown in UTC) and a relatedTo the list must reshape like GET.
  await post('/api/activities', { type: 'task', subject: 'Rows task', dueAt: '2026-05-01T10:00:00.5+02:00', relatedTo: { type: 'contact', id: contact.id } });
});

const get = async (path: string) => {
  const res = await h.request('GET', path, { token: admin.accessToken });
  expect(res.status, path).toBe(200);
  return res;
};

describe('list and export rows are the records as GET /{id} shows them', () => {
  it.each(['leads', 'contacts', 'accounts', 'deals', 'activities'])('%s', async (resource) => {
    const { data } = await json(await get(`/api/${resource}?limit=5`));
    expect(data.length).toBeGreaterThan(0);
    for (const row of data as Record<string, unknown>[]) {
      const { recentActivities: _embedded, ...record } = (await json(await get(`/api/${resource}/${row.id}`))).data;
      expect(row).toEqual(record);
      expect(row.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it.each(['leads', 'contacts', 'accounts'])('%s export', async (resource) => {
    const [header, ...lines] = parseCsv(await (await get(`/api/${resource}/export`)).text());
    const { data } = await json(await get(`/api/${resource}?limit=100`));
    const byId = new Map((data as Record<string, unknown>[]).map((r) => [r.id, r]));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines.slice(0, 5)) {
      const cells = Object.fromEntries((header ?? []).map((k, i) => [k, line[i]]));
      const record = byId.get(cells.id) ?? (await json(await get(`/api/${resource}/${cells.id}`))).data;
      expect(cells.createdAt).toBe(record.createdAt);
      expect(cells.updatedAt).toBe(record.updatedAt);
      expect(Object.keys(cells)).not.toContain('tenantId');
    }
  });
});
