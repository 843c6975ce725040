import { type ServerProcess, startNode } from './e2e/dev-server.ts';

export type { ServerProcess };

export const PLATFORM_KEY = 'fault-test-platform-key-that-is-long-enough';
export const JWT_SECRET = 'fault-test-jwt-secret-that-is-long-enough-0123';

/** The Node server in test mode with known secrets (so tests can mint tokens and use the platform API), for fault, shutdown and load tests on server Postgres. */
export const startServer = (extra: Record<string, string>, bootTimeoutMs?: number): Promise<ServerProcess> =>
  startNode({ NODE_ENV: 'test', JWT_SECRET, PLATFORM_ADMIN_KEY: PLATFORM_KEY, ...extra }, bootTimeoutMs);

/** Registers a tenant over HTTP and lifts it to a plan without limits (platform API), returning its admin's token. */
export async function registerUnlimitedTenant(base: string, slug: string): Promise<{ token: string; tenantId: string }> {
  const res = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tenantName: `Tenant ${slug}`,
      tenantSlug: slug,
      name: 'Owner',
      email: `owner@${slug}.example`,
      password: 'Plenty-long-passphrase-42',
    }),
  });
  if (res.status !== 201) throw new Error(`register ${slug}: ${res.status} ${await res.text()}`);
  const { data } = (await res.json()) as { data: { tokens: { accessToken: string }; tenant: { id: string } } };
  const lift = await fetch(`${base}/api/platform/tenants/${data.tenant.id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_KEY}` },
    body: JSON.stringify({ planOverride: 'enterprise' }),
  });
  if (lift.status !== 200) throw new Error(`plan override ${slug}: ${lift.status} ${await lift.text()}`);
  return { token: data.tokens.accessToken, tenantId: data.tenant.id };
}

/** A JSON import body of n new leads with distinct emails. */
export const importRows = (n: number, tag: string) =>
  JSON.stringify(Array.from({ length: n }, (_, i) => ({ lastName: `Row ${i}`, email: `${tag}-${i}@import.example` })));
