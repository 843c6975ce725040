import { type Harness, json } from './harness.ts';

/** A fresh tenant registered through the API (so it starts like a real one: free plan, one admin). */
export async function registerTenant(h: Harness, slug: string) {
  const res = await h.request('POST', '/api/auth/register', {
    body: { tenantName: `Tenant ${slug}`, tenantSlug: slug, name: 'Owner', email: `owner@${slug}.example`, password: 'Plenty-long-passphrase-42' },
    ip: `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
  });
  if (res.status !== 201) throw new Error(`register ${slug}: ${res.status} ${await res.text()}`);
  const { data } = await json(res);
  return { token: data.tokens.accessToken as string, tenantId: data.tenant.id as string, userId: data.user.id as string };
}

/** Inserts counted records directly (owner connection), to bring a tenant near its limit quickly. */
export async function fillLeadsAndContacts(h: Harness, tenantId: string, leads: number, contacts: number) {
  await h.raw.query(`insert into leads (tenant_id, last_name) select $1, 'Seed ' || g from generate_series(1, $2::int) g`, [tenantId, leads]);
  await h.raw.query(`insert into contacts (tenant_id, last_name) select $1, 'Seed ' || g from generate_series(1, $2::int) g`, [tenantId, contacts]);
}

export async function countLeadsAndContacts(h: Harness, tenantId: string) {
  const [row] = await h.raw.query<{ n: number }>(
    'select ((select count(*) from leads where tenant_id = $1) + (select count(*) from contacts where tenant_id = $1))::int as n',
    [tenantId],
  );
  return row?.n ?? 0;
}
