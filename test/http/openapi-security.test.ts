import { beforeAll, describe, expect, it } from 'vitest';
import { scopes as allScopes, WILDCARD } from '../../src/lib/scopes.ts';
import { createHarness, type Harness, json, TEST_ENV } from '../harness.ts';
import { createKey } from './api-keys.helpers.ts';

/**
 * Every operation's documented `security` is what the app really accepts:
 * each operation is called with no credential, a user's JWT, an API key
 * holding every scope and the platform key, and each credential must get
 * through exactly when the document lists its scheme. The scopes listed
 * under apiKeyAuth are exact: a key holding just those gets through, a key
 * holding everything but one of them is refused.
 */
type Security = Record<string, string[]>[];
type Doc = { paths: Record<string, Record<string, { security?: Security }>> };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const SOME_ID = '2f0a3b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';

let h: Harness;
let jwt: string;
let everyScopeKey: string;
let ops: { method: string; path: string; url: string; security: Security }[];
const keys = new Map<string, Promise<string>>();

/** One key per scope set, created once by acme's admin. */
const keyWith = (scopes: string[]) => {
  const id = [...scopes].sort().join(' ');
  if (!keys.has(id))
    keys.set(
      id,
      createKey(h, jwt, { name: `scopes ${id}`.slice(0, 100), scopes }).then((k) => k.secret),
    );
  return keys.get(id) as Promise<string>;
};

beforeAll(async () => {
  h = await createHarness();
  jwt = (await h.login('acme', 'tenant_admin')).accessToken;
  everyScopeKey = await keyWith([...allScopes]);
  const doc = await json<Doc>(await h.request('GET', '/openapi.json'));
  ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, url: path.replace(/\{\w+\}/g, SOME_ID), security: op.security ?? [] })),
  );
});

/** Calls an operation with an empty JSON body where it takes one: authentication runs before validation, so nothing is written. */
const call = (op: (typeof ops)[number], token?: string) =>
  h.request(op.method, op.url, { token, ...(op.method !== 'GET' && op.method !== 'DELETE' && { body: {} }) });

/** Whether the credential got past authentication and the key/scope checks. */
async function accepted(res: Response): Promise<boolean> {
  if (res.status === 401) return false;
  if (res.status !== 403) return true;
  const body = await json<{ error: string; message: string }>(res.clone());
  return !(body.error === 'insufficient_permissions' && /API key/.test(body.message));
}

const schemesOf = (security: Security) => security.flatMap((requirement) => Object.keys(requirement));

describe('OpenAPI security matches what each operation accepts', () => {
  it('every operation declares one of the known shapes', () => {
    expect(ops.length).toBeGreaterThan(40);
    for (const op of ops) {
      const schemes = schemesOf(op.security).join(',');
      expect(['', 'bearerAuth', 'bearerAuth,apiKeyAuth', 'platformKey'], `${op.method} ${op.path}: ${schemes}`).toContain(schemes);
      for (const requirement of op.security) {
        if (!('apiKeyAuth' in requirement)) expect(Object.values(requirement).flat(), `${op.method} ${op.path}`).toEqual([]);
      }
    }
  });

  it('each credential is accepted exactly where its scheme is listed', async () => {
    const credentials: [string, string | undefined][] = [
      ['anonymous', undefined],
      ['bearerAuth', jwt],
      ['apiKeyAuth', everyScopeKey],
      ['platformKey', TEST_ENV.PLATFORM_ADMIN_KEY],
    ];
    const mismatches: string[] = [];
    for (const op of ops) {
      const schemes = schemesOf(op.security);
      for (const [scheme, token] of credentials) {
        const res = await call(op, token);
        // A public operation ignores whatever credential comes along.
        const expected = schemes.length === 0 || schemes.includes(scheme);
        if ((await accepted(res)) !== expected) {
          mismatches.push(`${op.method} ${op.path} with ${scheme}: ${res.status} ${await res.text()}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('the scopes listed under apiKeyAuth are the ones needed: all of them, and no other', async () => {
    const mismatches: string[] = [];
    const keyed = ops.filter((op) => op.security.some((r) => 'apiKeyAuth' in r));
    expect(keyed.length).toBeGreaterThan(30);
    for (const op of keyed) {
      const needed = op.security.flatMap((r) => r.apiKeyAuth ?? []);
      expect(needed.length, `${op.method} ${op.path}`).toBeGreaterThan(0);
      const exact = await call(op, await keyWith(needed));
      if (!(await accepted(exact))) mismatches.push(`${op.method} ${op.path} with ${needed}: ${exact.status} ${await exact.text()}`);
      for (const scope of needed) {
        const allBut = allScopes.filter((s) => s !== scope && s !== WILDCARD);
        const res = await call(op, await keyWith(allBut));
        if (await accepted(res)) mismatches.push(`${op.method} ${op.path} without ${scope}: ${res.status}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
