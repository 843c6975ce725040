import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session, usingPostgres } from '../harness.ts';
import { createKey } from './api-keys.helpers.ts';

/**
 * The round-trip budget (issue 8): an authenticated read costs one database
 * round trip (the credential is reused from the principal cache; BEGIN, the
 * tenant scope, the query and COMMIT are pipelined); a create, update or
 * delete costs two (checks + write, then audit + outbox + COMMIT). Counted on server Postgres; PGlite
 * is in-process (no network), where the statement counts still hold.
 */
let h: Harness;
let admin: Session;
let key: string;
let leadId: string;

const trips = (n: number) => (usingPostgres ? n : 0);

beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  ({ secret: key } = await createKey(h, admin.accessToken, { name: 'reader', scopes: ['leads:read'] }));
  const res = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } });
  leadId = (await json(res)).data.id;
  // Warm the credential cache and the key's once-a-minute last-use write, as steady traffic would.
  await h.request('GET', '/api/leads?limit=1', { token: admin.accessToken });
  await h.request('GET', '/api/leads?limit=1', { token: key });
});

async function measure(method: string, path: string, token: string, body?: unknown) {
  const { result: res, roundTrips, statements } = await h.countRoundTrips(() => h.request(method, path, { token, body }));
  expect(res.status).toBeLessThan(300);
  return { result: res, roundTrips, statements };
}

describe('round trips per request', () => {
  it('GET /api/leads with a JWT: one round trip, one statement', async () => {
    const { roundTrips, statements } = await measure('GET', '/api/leads?limit=25', admin.accessToken);
    expect(roundTrips).toBe(trips(1));
    expect(statements).toHaveLength(1);
  });

  it('GET /api/leads with an API key: one round trip, one statement', async () => {
    const { roundTrips, statements } = await measure('GET', '/api/leads?limit=25', key);
    expect(roundTrips).toBe(trips(1));
    expect(statements).toHaveLength(1);
  });

  it('GET /api/leads/{id} with its activities: one round trip, one statement', async () => {
    const { roundTrips, statements } = await measure('GET', `/api/leads/${leadId}`, admin.accessToken);
    expect(roundTrips).toBe(trips(1));
    expect(statements).toHaveLength(1);
  });

  it('a cold credential costs one more round trip (its own read), then is reused', async () => {
    h.principals.clear();
    expect((await measure('GET', '/api/leads?limit=25', admin.accessToken)).roundTrips).toBe(trips(2));
    expect((await measure('GET', '/api/leads?limit=25', admin.accessToken)).roundTrips).toBe(trips(1));
  });

  // A write's checks (reference, custom-field definitions, plan lock and counts, the locked current row) and the
  // write itself are pipelined behind BEGIN; the audit and outbox rows go out with COMMIT (s.defer).
  it('POST /api/leads: two round trips (checks + insert, then audit + outbox + COMMIT), no credential read', async () => {
    const { result, roundTrips, statements } = await measure('POST', '/api/leads', admin.accessToken, { firstName: 'Grace', lastName: 'Hopper' });
    // The deferred audit row was committed with the lead, not merely sent.
    const { id } = (await json(result)).data;
    expect(await h.raw.query(`select action from audit_logs where resource_id = $1`, [id])).toEqual([{ action: 'lead.created' }]);
    // h.raw cleared the credential cache; warm it again for the next measurement.
    await h.request('GET', '/api/leads?limit=1', { token: admin.accessToken });
    expect(statements.some((s) => /^insert into "leads"/.test(s))).toBe(true);
    expect(statements.some((s) => /^insert into "audit_logs"/.test(s))).toBe(true);
    expect(statements.some((s) => /insert into webhook_events/.test(s))).toBe(true);
    expect(statements.some((s) => /from "api_keys"|"token_version" from "users" inner join/.test(s))).toBe(false);
    expect(statements.length).toBeGreaterThan(2);
    expect(roundTrips).toBe(trips(2));
  });

  it('PATCH /api/leads/{id}: two round trips', async () => {
    const { roundTrips, statements } = await measure('PATCH', `/api/leads/${leadId}`, admin.accessToken, { status: 'contacted' });
    expect(statements.some((s) => /^update "leads"/.test(s))).toBe(true);
    expect(statements.some((s) => /^insert into "audit_logs"/.test(s))).toBe(true);
    expect(roundTrips).toBe(trips(2));
  });

  it('DELETE /api/leads/{id}: two round trips', async () => {
    const res = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { firstName: 'Alan', lastName: 'Turing' } });
    const { roundTrips, statements } = await measure('DELETE', `/api/leads/${(await json(res)).data.id}`, admin.accessToken);
    expect(statements.some((s) => /^delete from "leads"/.test(s))).toBe(true);
    expect(statements.some((s) => /^insert into "audit_logs"/.test(s))).toBe(true);
    expect(roundTrips).toBe(trips(2));
  });
});

// The other resources' checks (references, a unique email or domain) go out with the write; only values
// that need an answer first cost more: deal placement (the stage row) and custom-field values (their definitions).
describe('round trips per write of the other resources', () => {
  let accountId: string;
  let pipelineId: string;
  const body = async (res: Response) => (await json(res)).data;
  const write = async (method: string, path: string, payload: unknown) => {
    const { result, roundTrips, statements } = await measure(method, path, admin.accessToken, payload);
    return { data: await body(result), roundTrips, statements };
  };

  beforeAll(async () => {
    accountId = (await body(await h.request('POST', '/api/accounts', { token: admin.accessToken, body: { name: 'Trips Inc', domain: 'trips.example' } }))).id;
    const stages = [
      { name: 'Open', probability: 10 },
      { name: 'Won', probability: 100 },
    ];
    pipelineId = (await body(await h.request('POST', '/api/pipelines', { token: admin.accessToken, body: { name: 'Trips', stages } }))).id;
  });

  it('contacts: create and update with an account reference and a unique email, two each', async () => {
    const created = await write('POST', '/api/contacts', { firstName: 'Kay', lastName: 'Trips', email: 'kay@trips.example', accountId });
    expect(created.statements.some((s) => /^select .* from "accounts"/.test(s))).toBe(true);
    expect(created.statements.some((s) => /lower\("contacts"\."email"\)/.test(s))).toBe(true);
    expect(created.roundTrips).toBe(trips(2));
    const updated = await write('PATCH', `/api/contacts/${created.data.id}`, { email: 'kay2@trips.example', accountId });
    expect(updated.data.email).toBe('kay2@trips.example');
    expect(updated.roundTrips).toBe(trips(2));
  });

  it('accounts: create and update with a unique domain, two each', async () => {
    const created = await write('POST', '/api/accounts', { name: 'Trips Two', domain: 'two.trips.example' });
    expect(created.statements.some((s) => /lower\("accounts"\."domain"\)/.test(s))).toBe(true);
    expect(created.roundTrips).toBe(trips(2));
    expect((await write('PATCH', `/api/accounts/${created.data.id}`, { domain: 'three.trips.example' })).roundTrips).toBe(trips(2));
  });

  it('activities: create and update related to an account, two each', async () => {
    const created = await write('POST', '/api/activities', { type: 'call', subject: 'Intro', relatedTo: { type: 'account', id: accountId } });
    expect(created.data.relatedTo).toEqual({ type: 'account', id: accountId });
    expect(created.roundTrips).toBe(trips(2));
    expect(
      (await write('PATCH', `/api/activities/${created.data.id}`, { subject: 'Intro call', relatedTo: { type: 'account', id: accountId } })).roundTrips,
    ).toBe(trips(2));
  });

  it('deals: create waits for its stage row (three), as does an update (the row decides the status rules)', async () => {
    const created = await write('POST', '/api/deals', { name: 'Trips deal', amount: 1000, currency: 'EUR', pipelineId, accountId });
    expect(created.data.stageId).toEqual(expect.any(String));
    expect(created.roundTrips).toBe(trips(3));
    expect((await write('PATCH', `/api/deals/${created.data.id}`, { amount: 1200 })).roundTrips).toBe(trips(3));
  });

  it('custom-field values wait for their definitions (at most three); a create without values checks them in its first round trip', async () => {
    const field = await h.request('POST', '/api/custom-fields', {
      token: admin.accessToken,
      body: { resource: 'contacts', key: 'tier', label: 'Tier', type: 'text' },
    });
    expect(field.status).toBe(201);
    const withValues = await write('POST', '/api/contacts', { firstName: 'Cy', lastName: 'Fields', customFields: { tier: 'gold' } });
    expect(withValues.data.customFields).toEqual({ tier: 'gold' });
    // At most 3: on a plan without a record limit the limit counts are not awaited, so the INSERT can join them.
    expect(withValues.roundTrips).toBeLessThanOrEqual(trips(3));
    expect(withValues.roundTrips).toBeGreaterThanOrEqual(trips(2));
    expect((await write('PATCH', `/api/contacts/${withValues.data.id}`, { customFields: { tier: 'silver' } })).roundTrips).toBe(trips(3));
    expect((await write('POST', '/api/contacts', { firstName: 'No', lastName: 'Values' })).roundTrips).toBe(trips(2));
  });
});

describe('what goes out with COMMIT still decides the outcome', () => {
  const leadsNamed = async (name: string) => (await h.raw.query<{ n: number }>('select count(*)::int as n from leads where first_name = $1', [name]))[0]?.n;

  it('a failing deferred audit insert fails the request (500, no detail) and rolls the create back', async () => {
    // An audit row that cannot be written (owner-level trigger, only for this marker): the lead must not exist either.
    await h.raw.query(`create function refuse_marked_audit() returns trigger language plpgsql as $$
      begin if new.changes::text like '%AuditRefused%' then raise exception 'audit refused'; end if; return new; end $$`);
    await h.raw.query('create trigger refuse_marked_audit before insert on audit_logs for each row execute function refuse_marked_audit()');
    try {
      const res = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { firstName: 'AuditRefused', lastName: 'X' } });
      expect(res.status).toBe(500);
      expect(JSON.stringify(await json(res))).not.toMatch(/audit refused|audit_logs/);
      expect(await leadsNamed('AuditRefused')).toBe(0);
    } finally {
      await h.raw.query('drop trigger refuse_marked_audit on audit_logs');
      await h.raw.query('drop function refuse_marked_audit()');
    }
  });

  it('an update sent before its checks is rolled back when a check fails (stale If-Match: 412, row and audit unchanged)', async () => {
    const res = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { firstName: 'Stale', lastName: 'Check' } });
    const { id } = (await json(res)).data;
    const audits = async () => (await h.raw.query<{ n: number }>('select count(*)::int as n from audit_logs where resource_id = $1', [id]))[0]?.n;
    const before = await audits();
    const stale = await h.request('PATCH', `/api/leads/${id}`, {
      token: admin.accessToken,
      body: { firstName: 'Changed' },
      headers: { 'If-Match': '"00000000-9"' },
    });
    expect(stale.status).toBe(412);
    expect(await h.raw.query('select first_name, version from leads where id = $1', [id])).toEqual([{ first_name: 'Stale', version: 1 }]);
    expect(await audits()).toBe(before);
    const current = await h.request('GET', `/api/leads/${id}`, { token: admin.accessToken });
    expect(current.headers.get('etag')).toBe(res.headers.get('etag'));
  });

  it('a delete sent before its checks is rolled back when a check fails (403 for a record another user owns)', async () => {
    const res = await h.request('POST', '/api/leads', { token: admin.accessToken, body: { firstName: 'Kept', lastName: 'Record' } });
    const { id } = (await json(res)).data;
    const sales = await h.login('acme', 'sales_user');
    expect((await h.request('DELETE', `/api/leads/${id}`, { token: sales.accessToken })).status).toBe(403);
    expect(await leadsNamed('Kept')).toBe(1);
  });
});

describe('credential freshness with the cache', () => {
  it('a role change through the API applies on the very next request, though the credential was cached', async () => {
    const manager = await h.login('acme', 'manager');
    expect((await h.request('GET', '/api/leads?limit=1', { token: manager.accessToken })).status).toBe(200);
    const demoted = await h.request('PATCH', `/api/users/${manager.userId}`, { token: admin.accessToken, body: { role: 'read_only' } });
    expect(demoted.status).toBe(200);
    // The role change bumped the token version: the old token is refused at once, not after the TTL.
    expect((await h.request('GET', '/api/leads?limit=1', { token: manager.accessToken })).status).toBe(401);
  });

  it('a change made behind this instance (another instance, or SQL) is served from the cache until the TTL, then applies', async () => {
    const sales = await h.login('acme', 'sales_user');
    expect((await h.request('GET', '/api/leads?limit=1', { token: sales.accessToken })).status).toBe(200);
    await h.db.transaction(sales.tenantId, (q) => q.execute(sql`update users set status = 'inactive' where id = ${sales.userId}`));
    expect((await h.request('GET', '/api/leads?limit=1', { token: sales.accessToken })).status).toBe(200);
    h.principals.clear(); // what the TTL (≤ 60 s) does
    expect((await h.request('GET', '/api/leads?limit=1', { token: sales.accessToken })).status).toBe(401);
  });
});
