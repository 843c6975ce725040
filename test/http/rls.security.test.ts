import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { createHarness, type Harness } from '../harness.ts';

let h: Harness;
let acme: string;
let mycompany: string;
beforeAll(async () => {
  h = await createHarness();
  acme = await h.tenantId('acme');
  mycompany = await h.tenantId('mycompany');
});

type Row = { tenant_id: string };

describe('row-level security through the app connection', () => {
  it('runs requests as a role that is neither superuser nor BYPASSRLS', async () => {
    const rows = rowsOf<Row>(
      await h.db.transaction(acme, (q) =>
        q.execute(sql`select current_user as role, r.rolsuper, r.rolbypassrls from pg_roles r where r.rolname = current_user`),
      ),
    ) as unknown as { role: string; rolsuper: boolean; rolbypassrls: boolean }[];
    expect(rows[0]).toEqual({ role: 'crm_app', rolsuper: false, rolbypassrls: false });
  });

  it.each(['users', 'refresh_tokens', 'security_events', 'audit_logs', 'invitations'])(
    'an unfiltered SELECT * FROM %s in tenant A sees none of B',
    async (table) => {
      await h.login('acme', 'tenant_admin');
      await h.login('mycompany', 'tenant_admin');
      const all = await h.raw.query<Row>(`select tenant_id from ${table}`);
      const rows = rowsOf<Row>(await h.db.transaction(acme, (q) => q.execute(sql.raw(`select * from ${table}`))));
      expect(rows.every((r) => r.tenant_id === acme)).toBe(true);
      expect(rows.length).toBe(all.filter((r) => r.tenant_id === acme).length);
    },
  );

  it('forces RLS with a tenant policy on every table that has tenant_id', async () => {
    const tables = await h.raw.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; policies: number }>(
      `select c.relname, c.relrowsecurity, c.relforcerowsecurity,
              (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
         from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id'
        where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace`,
    );
    expect(tables.length).toBeGreaterThanOrEqual(14);
    for (const t of tables) expect(t, t.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true, policies: 1 });
  });

  it('sees no tenant rows at all when no tenant is set', async () => {
    const rows = rowsOf<Row>(await h.db.transaction(null, (q) => q.execute(sql`select * from users`)));
    expect(rows).toEqual([]);
    const batch = await h.db.batch(null, (q) => [q.execute(sql`select count(*)::int as n from users`)] as const);
    expect(rowsOf<Row>(batch[0])[0]).toEqual({ n: 0 });
  });

  it('refuses to write a row into another tenant', async () => {
    await expect(
      h.db.transaction(acme, (q) =>
        q.execute(sql`insert into users (tenant_id, email, name, role) values (${mycompany}, 'x@evil.example', 'x', 'tenant_admin')`),
      ),
    ).rejects.toThrow();
    const moved = h.db.transaction(acme, (q) => q.execute(sql`update users set tenant_id = ${mycompany}`));
    await expect(moved).rejects.toThrow();
    const leaked = await h.raw.query(`select 1 from users where email = 'x@evil.example'`);
    expect(leaked).toEqual([]);
  });

  it('cannot be switched off with row_security = off inside a request transaction', async () => {
    await expect(h.db.transaction(acme, (q) => q.execute(sql`set local row_security = off; select * from users`))).rejects.toThrow();
  });
});
