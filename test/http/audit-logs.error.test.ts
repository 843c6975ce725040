import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
});

const get = (path: string) => h.request('GET', path, { token: admin.accessToken });

describe('GET /api/audit-logs: invalid input', () => {
  it.each([
    ['actorId=not-a-uuid', 'actorId'],
    ['actorType=robot', 'actorType'],
    ['from=yesterday', 'from'],
    ['to=2026-13-45', 'to'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['format=xml', 'format'],
    ['cursor=%%%', 'cursor'],
    ['unknown=1', 'unknown'],
  ])('?%s is 400 naming %s', async (query, field) => {
    const res = await get(`/api/audit-logs?${query}`);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toBe('validation_error');
    expect(body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('refuses paging parameters on a CSV export, and writes no export audit row', async () => {
    const res = await get('/api/audit-logs?format=csv&limit=10');
    expect(res.status).toBe(400);
    expect((await json(res)).details).toEqual([{ field: 'limit', message: 'not accepted with CSV' }]);
    const rows = await h.raw.query(`select 1 from audit_logs where action = 'audit_log.exported'`);
    expect(rows).toEqual([]);
  });

  it('a cursor of another sort order is refused', async () => {
    // base64url of ["name","a","x","00000000-0000-4000-8000-000000000000"]
    const foreign = btoa(JSON.stringify(['name', 'a', 'x', '00000000-0000-4000-8000-000000000000'])).replaceAll('=', '');
    const res = await get(`/api/audit-logs?cursor=${foreign}`);
    expect(res.status).toBe(400);
    expect((await json(res)).details[0].field).toBe('cursor');
  });

  it('has no write methods', async () => {
    for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
      const res = await h.request(method, '/api/audit-logs', { token: admin.accessToken, body: {} });
      expect([404, 405]).toContain(res.status);
    }
  });
});

describe('GET /api/security-events: invalid input', () => {
  it('refuses an unknown format, an unknown parameter (a mistyped filter would list or export everything) and paging on CSV', async () => {
    expect((await get('/api/security-events?format=pdf')).status).toBe(400);
    for (const query of ['typ=tenant_mismatch', 'format=csv&typ=tenant_mismatch']) {
      const res = await get(`/api/security-events?${query}`);
      expect(res.status, query).toBe(400);
      expect((await json(res)).details.map((d: { field: string }) => d.field)).toContain('typ');
    }
    const paged = await get('/api/security-events?format=csv&cursor=abc');
    expect(paged.status).toBe(400);
    expect((await json(paged)).details).toEqual([{ field: 'cursor', message: 'not accepted with CSV' }]);
    expect(await h.raw.query(`select 1 from audit_logs where action = 'security_event.exported'`)).toEqual([]);
  });

  it('the export routes have no pages and refuse unknown parameters', async () => {
    for (const path of [
      '/api/audit-logs/export?limit=5',
      '/api/audit-logs/export?cursor=x',
      '/api/security-events/export?limit=5',
      '/api/audit-logs/export?actorId=nope',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect((await json(res)).error).toBe('validation_error');
    }
  });
});
