import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
});

describe('POST /api/privacy/erase: invalid input', () => {
  it.each([
    [{}, 'email'],
    [{ email: 'not-an-email' }, 'email'],
    [{ email: 42 }, 'email'],
    [{ email: `${'a'.repeat(320)}@x.example` }, 'email'],
    [{ email: 'a@x.example', name: 'Ann' }, 'name'],
  ])('%j is 400 naming %s, and nothing is written', async (body, field) => {
    const before = await h.raw.query<{ n: number }>('select count(*)::int as n from audit_logs');
    const res = await h.request('POST', '/api/privacy/erase', { token: admin.accessToken, body });
    expect(res.status).toBe(400);
    const error = await json(res);
    expect(error.error).toBe('validation_error');
    expect(error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await h.raw.query<{ n: number }>('select count(*)::int as n from audit_logs')).toEqual(before);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await h.request('POST', '/api/privacy/erase', {
      token: admin.accessToken,
      body: 'email=a@x.example',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([400, 415]).toContain(res.status);
  });

  it('an unknown email erases nothing and answers zeros (no 404: nothing to enumerate)', async () => {
    const res = await h.request('POST', '/api/privacy/erase', { token: admin.accessToken, body: { email: 'ghost@nowhere.example' } });
    expect(res.status).toBe(200);
    expect((await json(res)).data).toEqual({ email: 'ghost@nowhere.example', erased: { leads: 0, contacts: 0, activities: 0, auditRowsRedacted: 0 } });
    const events = await h.raw.query<{ changes: unknown }>(`select changes from audit_logs where action = 'privacy.erased'`);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain('ghost@nowhere.example');
  });
});
