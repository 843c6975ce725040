import { beforeAll, describe, expect, it } from 'vitest';
import { type Role, roles } from '../../src/db/schema/index.ts';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let acme: Record<Role, Session>;
let other: Session;
let acmeLead: string;
let otherLead: string;
const EMAIL = 'shared.person@both.example';

beforeAll(async () => {
  h = await createHarness();
  acme = await h.loginAll('acme');
  other = await h.login('mycompany', 'tenant_admin');
  const create = async (token: string) => {
    const res = await h.request('POST', '/api/leads', { token, body: { firstName: 'Shared', lastName: 'Person', email: EMAIL } });
    expect(res.status).toBe(201);
    return (await json(res)).data.id as string;
  };
  acmeLead = await create(acme.tenant_admin.accessToken);
  otherLead = await create(other.accessToken);
});

describe('who may erase', () => {
  it.each(roles.filter((r) => r !== 'tenant_admin'))('%s gets 403 and nothing is erased', async (role) => {
    const res = await h.request('POST', '/api/privacy/erase', { token: acme[role].accessToken, body: { email: EMAIL } });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('insufficient_permissions');
    expect(await h.raw.query('select 1 from leads where id = $1', [acmeLead])).toHaveLength(1);
  });

  it('needs a credential', async () => {
    expect((await h.request('POST', '/api/privacy/erase', { body: { email: EMAIL } })).status).toBe(401);
  });
});

describe('erasure stays inside the tenant', () => {
  it("erasing in tenant B removes B's person only: A's lead and A's audit rows are untouched", async () => {
    const acmeId = await h.tenantId('acme');
    const acmeAuditBefore = await h.raw.query('select id, changes, hash from audit_logs where tenant_id = $1 order by seq', [acmeId]);
    const res = await h.request('POST', '/api/privacy/erase', { token: other.accessToken, body: { email: EMAIL } });
    expect(res.status).toBe(200);
    expect((await json(res)).data.erased).toMatchObject({ leads: 1, contacts: 0 });
    expect(await h.raw.query('select 1 from leads where id = $1', [otherLead])).toHaveLength(0);
    expect(await h.raw.query('select 1 from leads where id = $1', [acmeLead])).toHaveLength(1);
    expect(await h.raw.query('select id, changes, hash from audit_logs where tenant_id = $1 order by seq', [acmeId])).toEqual(acmeAuditBefore);
    const acmeMentions = await h.raw.query(`select 1 from audit_logs where tenant_id = $1 and strpos(changes::text, $2) > 0`, [acmeId, EMAIL]);
    expect(acmeMentions.length).toBeGreaterThan(0);
    for (const token of [acme.tenant_admin.accessToken, other.accessToken]) {
      expect((await json(await h.request('GET', '/api/audit-logs/verify', { token }))).valid).toBe(true);
    }
  });

  it('the redaction function works only inside a tenant scope', async () => {
    await expect(
      h.db.transaction(null, (q) => q.execute(`select * from audit_redact(array[]::text[], array['${EMAIL}'], array[]::text[])` as never)),
    ).rejects.toThrow();
  });
});
