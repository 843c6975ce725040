import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_BATCH, excludedTables, exportSources } from '../../src/routes/tenant/tenant.export.ts';
import { createHarness, DEMO_PASSWORD, type Harness, json } from '../harness.ts';
import { fillTenant } from '../tenant-fill.ts';
import { tenantTableNames } from '../tenant-tables.ts';

/**
 * GET /api/tenant/export: the archive is unzipped and every NDJSON file parsed;
 * counts match the database, no secret (by value, not only by field name)
 * and no row of the other tenant is in it.
 */
let h: Harness;
let acme: Awaited<ReturnType<typeof fillTenant>>;
let otherTenantId: string;
// More contacts than one batch holds, so the keyset paging between batches is exercised.
const CONTACTS = EXPORT_BATCH + 37;

beforeAll(async () => {
  h = await createHarness();
  acme = await fillTenant(h, 'acme', 0);
  await fillTenant(h, 'mycompany', 1);
  otherTenantId = await h.tenantId('mycompany');
  await h.raw.query(
    `insert into contacts (tenant_id, last_name, email) select $1, 'Bulk ' || g, 'bulk' || g || '@acme.example' from generate_series(1, $2::int) g`,
    [acme.tenantId, CONTACTS],
  );
});

async function download(token: string) {
  const res = await h.request('GET', '/api/tenant/export', { token });
  expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200);
  const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
  const text = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, new TextDecoder().decode(bytes)]));
  return { res, text };
}

const parseNdjson = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('GET /api/tenant/export', () => {
  it('streams a zip: one NDJSON file per resource with the database counts, and a manifest', async () => {
    const { res, text } = await download(acme.admin.accessToken);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="acme-export-\d{4}-\d{2}-\d{2}\.zip"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');

    const manifest = JSON.parse(text['manifest.json'] ?? '{}');
    expect(manifest).toMatchObject({ format: 'crm-tenant-export', formatVersion: 1, tenantId: acme.tenantId });
    expect(manifest.schemaVersion).toMatch(/^\d{4}_/);
    expect(Date.parse(manifest.generatedAt)).not.toBeNaN();
    expect(Object.keys(text).sort()).toEqual([...exportSources.map((s) => `${s.name}.ndjson`), 'manifest.json'].sort());

    for (const entry of manifest.files as { name: string; table: string; records: number }[]) {
      const rows = parseNdjson(text[entry.name] ?? '');
      expect(rows.length, entry.name).toBe(entry.records);
      const column = entry.table === 'tenants' ? 'id' : 'tenant_id';
      const [db] = await h.raw.query<{ n: number }>(`select count(*)::int as n from "${entry.table}" where ${column} = $1`, [acme.tenantId]);
      // The export's own audit row is written before the stream starts, so it is in the file too.
      expect(entry.records, entry.name).toBe(db?.n);
      expect(new Set(rows.map((r) => r.id)).size, `${entry.name} has no duplicates across batches`).toBe(rows.length);
    }
    expect(parseNdjson(text['contacts.ndjson'] ?? '').length).toBeGreaterThan(EXPORT_BATCH);
    const [tenant] = parseNdjson(text['tenant.ndjson'] ?? '');
    expect(tenant).toMatchObject({ id: acme.tenantId, slug: 'acme', plan: 'enterprise', subscriptionStatus: null });
    expect(Object.keys(tenant ?? {}).sort()).toEqual(
      [
        'id',
        'slug',
        'name',
        'plan',
        'planOverride',
        'status',
        'stripeCustomerId',
        'stripeSubscriptionId',
        'subscriptionStatus',
        'currentPeriodEnd',
        'pastDueSince',
        'createdAt',
        'updatedAt',
      ].sort(),
    );
    const audit = parseNdjson(text['audit_logs.ndjson'] ?? '');
    expect(audit.filter((r) => r.action === 'tenant.exported')).toHaveLength(1);
  });

  it('contains no secret: no password, password hash, token hash, key hash, API key or invitation token, not even under another name', async () => {
    const { text } = await download(acme.admin.accessToken);
    const all = Object.values(text).join('\n');
    const hashes = await h.raw.query<{ v: string }>(
      `select password_hash as v from users where tenant_id = $1 and password_hash is not null
       union all select token_hash from refresh_tokens where tenant_id = $1
       union all select token_hash from api_keys where tenant_id = $1
       union all select token_hash from invitations where tenant_id = $1`,
      [acme.tenantId],
    );
    expect(hashes.length).toBeGreaterThanOrEqual(8);
    const invitationToken = new URL(acme.acceptUrl).searchParams.get('token') ?? '';
    for (const secret of [DEMO_PASSWORD, acme.apiKey, acme.admin.refreshToken, acme.admin.accessToken, invitationToken, ...hashes.map((r) => r.v)]) {
      expect(secret.length).toBeGreaterThan(8);
      expect(all.includes(secret), `secret ${secret.slice(0, 6)}… in the export`).toBe(false);
    }
    expect(all).not.toMatch(/passwordHash|tokenHash|password_hash|token_hash|tokenVersion/);
  });

  it('holds no row of the other tenant', async () => {
    const { text } = await download(acme.admin.accessToken);
    // Acme's own security event names the tenant its credential was sent to; nothing else may mention that tenant.
    const events = parseNdjson(text['security_events.ndjson'] ?? '');
    expect(events.some((e) => e.type === 'tenant_mismatch' && e.requestedTenant === otherTenantId)).toBe(true);
    const all = Object.entries(text)
      .filter(([name]) => name !== 'security_events.ndjson')
      .map(([, content]) => content)
      .join('\n');
    expect(all.includes(otherTenantId)).toBe(false);
    expect(all).not.toMatch(/mycompany\.example|@c1\.example|@l1\.example/);
    const otherIds = await h.raw.query<{ id: string }>(
      `select id::text from leads where tenant_id = $1 union all select id::text from contacts where tenant_id = $1 union all select id::text from users where tenant_id = $1 union all select id::text from audit_logs where tenant_id = $1`,
      [otherTenantId],
    );
    expect(otherIds.length).toBeGreaterThan(20);
    for (const { id } of otherIds) expect(all.includes(id), id).toBe(false);
  });

  it('is audited as tenant.exported, one row per download', async () => {
    const count = async () =>
      (await h.raw.query<{ n: number }>(`select count(*)::int as n from audit_logs where tenant_id = $1 and action = 'tenant.exported'`, [acme.tenantId]))[0]
        ?.n;
    const n = await count();
    await download(acme.admin.accessToken);
    expect(await count()).toBe((n ?? 0) + 1);
    const [row] = await h.raw.query<{ actor_id: string; resource_type: string }>(
      `select actor_id, resource_type from audit_logs where tenant_id = $1 and action = 'tenant.exported' order by created_at desc limit 1`,
      [acme.tenantId],
    );
    expect(row).toMatchObject({ actor_id: acme.admin.userId, resource_type: 'tenant' });
  });

  it('reads as the client consumes: the first bytes leave before the other tables are queried', async () => {
    const selects = (statements: string[]) => statements.filter((q) => q.trimStart().startsWith('select'));
    const full = await h.countQueries(async () => (await h.request('GET', '/api/tenant/export', { token: acme.admin.accessToken })).arrayBuffer());
    // One read per file, plus one more for each file that filled a whole batch (contacts twice over).
    expect(selects(full.statements).length).toBeGreaterThanOrEqual(exportSources.length + 1);
    const partial = await h.countQueries(async () => {
      const res = await h.request('GET', '/api/tenant/export', { token: acme.admin.accessToken });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(first.value?.length).toBeGreaterThan(0);
      await reader.cancel();
    });
    expect(selects(partial.statements).length).toBeLessThan(4);
  });

  it('every tenant table is either exported or excluded with a reason', async () => {
    const exported = new Set(exportSources.map((s) => s.table));
    for (const table of await tenantTableNames(h)) {
      expect(exported.has(table) || table in excludedTables, `${table}: add it to exportSources or excludedTables`).toBe(true);
    }
  });
});

describe('GET /api/tenant/export access', () => {
  it('is for tenant admins, and API keys only with tenant:admin', async () => {
    for (const role of ['manager', 'sales_user', 'support_user', 'read_only'] as const) {
      const { accessToken } = await h.login('acme', role);
      const res = await h.request('GET', '/api/tenant/export', { token: accessToken });
      expect(res.status, role).toBe(403);
      expect((await json(res)).error).toBe('insufficient_permissions');
    }
    expect((await h.request('GET', '/api/tenant/export')).status).toBe(401);
    const created = await h.request('POST', '/api/api-keys', { token: acme.admin.accessToken, body: { name: 'data only', scopes: ['*'] } });
    expect((await h.request('GET', '/api/tenant/export', { token: (await json(created)).data.secret })).status).toBe(403);
    const { res } = await download(acme.apiKey);
    expect(res.status).toBe(200);
  });
});
