import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

let h: Harness;
let admin: Session;
let acme: string;

const EMAIL = 'Ann.Lee@Erase.example';
const email = EMAIL.toLowerCase();
const ids: Record<'lead' | 'contact' | 'bystander' | 'leadActivity' | 'contactActivity' | 'otherActivity', string> = {} as never;

const post = async (path: string, body: unknown) => {
  const res = await h.request('POST', path, { token: admin.accessToken, body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json(res)).data.id as string;
};
const erase = async (address: string) => {
  const res = await h.request('POST', '/api/privacy/erase', { token: admin.accessToken, body: { email: address } });
  expect(res.status).toBe(200);
  return json(res);
};
const verify = async () => json(await h.request('GET', '/api/audit-logs/verify', { token: admin.accessToken }));
const count = async (sql: string, params: unknown[] = []) => (await h.raw.query<{ n: number }>(sql, params))[0]?.n;
/** Every column of every audit row as text, so nothing escapes the search. */
const auditMentions = (needle: string) =>
  count(`select count(*)::int as n from audit_logs a where tenant_id = $1 and strpos(lower(a::text), $2) > 0`, [acme, needle.toLowerCase()]);

beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  acme = await h.tenantId('acme');
  ids.lead = await post('/api/leads', { firstName: 'Ann', lastName: 'Lee', email: EMAIL, company: 'Erase Ltd' });
  ids.contact = await post('/api/contacts', { firstName: 'Ann', lastName: 'Lee', email: email.toUpperCase() });
  ids.bystander = await post('/api/leads', { firstName: 'Ann', lastName: 'Stays', email: 'ann.stays@erase.example' });
  ids.leadActivity = await post('/api/activities', { type: 'call', subject: 'Call with Ann Lee', relatedTo: { type: 'lead', id: ids.lead } });
  ids.contactActivity = await post('/api/activities', { type: 'email', subject: 'Sent the offer', relatedTo: { type: 'contact', id: ids.contact } });
  ids.otherActivity = await post('/api/activities', { type: 'note', subject: 'Ann called', relatedTo: { type: 'lead', id: ids.bystander } });
  const patch = await h.request('PATCH', `/api/leads/${ids.lead}`, { token: admin.accessToken, body: { lastName: 'Lee-Smith', score: 5 } });
  expect(patch.status).toBe(200);
});

describe('POST /api/privacy/erase', () => {
  let before: { auditRows: number; bystanderAudit: unknown[] };

  it('starts with the person in the data and the audit log, and a valid chain', async () => {
    expect(await auditMentions(email)).toBeGreaterThanOrEqual(2);
    expect(await auditMentions('Ann Lee')).toBeGreaterThanOrEqual(1);
    expect((await verify()).valid).toBe(true);
    before = {
      auditRows: (await count('select count(*)::int as n from audit_logs where tenant_id = $1', [acme])) ?? 0,
      bystanderAudit: await h.raw.query('select id, changes, content_hash from audit_logs where resource_id = any($1) order by seq', [
        [ids.bystander, ids.otherActivity],
      ]),
    };
  });

  it('deletes the leads, contacts and activities in one go and says what it erased', async () => {
    const body = await erase(EMAIL);
    expect(body.data.email).toBe(email);
    expect(body.data.erased).toMatchObject({ leads: 1, contacts: 1, activities: 2 });
    // lead.created, lead.updated, contact.created and the "Call with Ann Lee" activity; "Sent the offer" names nobody.
    expect(body.data.erased.auditRowsRedacted).toBe(4);
    expect(await count('select count(*)::int as n from leads where id = $1', [ids.lead])).toBe(0);
    expect(await count('select count(*)::int as n from contacts where id = $1', [ids.contact])).toBe(0);
    expect(await count('select count(*)::int as n from activities where id = any($1)', [[ids.leadActivity, ids.contactActivity]])).toBe(0);
    expect(await count(`select count(*)::int as n from leads where lower(email) = $1`, [email])).toBe(0);
    expect(await count(`select count(*)::int as n from contacts where lower(email) = $1`, [email])).toBe(0);
  });

  it('leaves the email and the name nowhere in the audit log', async () => {
    expect(await auditMentions(email)).toBe(0);
    expect(await auditMentions('Ann Lee')).toBe(0);
    expect(await auditMentions('Lee-Smith')).toBe(0);
    const rows = await h.raw.query<{ changes: unknown }>('select changes from audit_logs where resource_id = $1', [ids.lead]);
    expect(JSON.stringify(rows)).not.toMatch(/"Ann"|"Lee"/);
    expect(JSON.stringify(rows)).toContain('[erased]');
  });

  it('touches nobody else: the bystander, another Ann, and their activity keep their rows and audit diffs, first name included', async () => {
    expect(await count('select count(*)::int as n from leads where id = $1', [ids.bystander])).toBe(1);
    expect(await count('select count(*)::int as n from activities where id = $1', [ids.otherActivity])).toBe(1);
    const after = await h.raw.query('select id, changes, content_hash from audit_logs where resource_id = any($1) order by seq', [
      [ids.bystander, ids.otherActivity],
    ]);
    expect(after).toEqual(before.bystanderAudit);
    expect(JSON.stringify(after)).toContain('"Ann"');
  });

  it('appends exactly one chained privacy.erased event that proves each redaction by its hashes', async () => {
    expect(await count('select count(*)::int as n from audit_logs where tenant_id = $1', [acme])).toBe(before.auditRows + 1);
    const [event] = await h.raw.query<{
      seq: string;
      actor_id: string;
      changes: { erased: unknown; leadIds: string[]; contactIds: string[]; redactions: { id: string; seq: number; original: string; redacted: string }[] };
    }>(`select seq, actor_id, changes from audit_logs where tenant_id = $1 and action = 'privacy.erased'`, [acme]);
    expect(event?.actor_id).toBe(admin.userId);
    expect(event?.changes.leadIds).toEqual([ids.lead]);
    expect(event?.changes.contactIds).toEqual([ids.contact]);
    const redacted = await h.raw.query<{ id: string; seq: string; content_hash: string; now: string }>(
      `select id, seq, content_hash, audit_sha256(audit_log_content(audit_logs)) as now from audit_logs where id = any($1) order by seq`,
      [event?.changes.redactions.map((r) => r.id)],
    );
    expect(redacted.map((r) => ({ id: r.id, seq: Number(r.seq), original: r.content_hash, redacted: r.now }))).toEqual(event?.changes.redactions);
    for (const r of event?.changes.redactions ?? []) {
      expect(r.original).not.toBe(r.redacted);
      expect(r.seq).toBeLessThan(Number(event?.seq));
    }
  });

  it('keeps the chain verifiable', async () => {
    const result = await verify();
    expect(result).toEqual({ valid: true, checked: before.auditRows + 1 });
  });

  it('an erase of an unknown (or already erased) email returns zeros and still verifies', async () => {
    for (const address of [EMAIL, 'nobody@erase.example']) {
      expect((await erase(address)).data.erased).toEqual({ leads: 0, contacts: 0, activities: 0, auditRowsRedacted: 0 });
    }
    expect((await verify()).valid).toBe(true);
  });

  it('tampering after an erase is still detected: a redacted row edited again, or its erase record', async () => {
    const [row] = await h.raw.query<{ id: string; seq: string; changes: unknown }>(
      `select id, seq, changes from audit_logs where resource_id = $1 order by seq limit 1`,
      [ids.lead],
    );
    await h.raw.query(`update audit_logs set changes = jsonb_set(changes, '{after,company}', '"Forged"') where id = $1`, [row?.id]);
    expect(await verify()).toMatchObject({ valid: false, firstBrokenId: row?.id, reason: 'content_mismatch' });
    await h.raw.query('update audit_logs set changes = $2 where id = $1', [row?.id, JSON.stringify(row?.changes)]);
    expect((await verify()).valid).toBe(true);

    // Claiming a different redaction in the erase event breaks that event's own content hash.
    const [event] = await h.raw.query<{ id: string; seq: string }>(
      `select id, seq from audit_logs where action = 'privacy.erased' and tenant_id = $1 order by seq limit 1`,
      [acme],
    );
    await h.raw.query(`update audit_logs set changes = jsonb_set(changes, '{redactions,0,redacted}', to_jsonb(repeat('b', 64))) where id = $1`, [event?.id]);
    const result = await verify();
    expect(result.valid).toBe(false);
    expect(result.firstBrokenSeq).toBeLessThanOrEqual(Number(event?.seq));
  });
});
