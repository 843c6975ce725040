import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, json } from '../harness.ts';

/**
 * Every API path the README names exists in the served OpenAPI document, so
 * the README cannot keep advertising an endpoint that was renamed or removed.
 * Paths are compared with parameter names erased (`{id or slug}` and `{id}`
 * are one segment); `{a,b}` lists expand to each alternative; a path ending
 * in `…` or `*` (`/api/reports/*`), or given without a method (`/api/platform`
 * for the whole operators' API), may name the start of documented paths.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

const expand = (path: string): string[] => {
  const list = /\{([^{}]*,[^{}]*)\}/.exec(path);
  if (!list) return [path];
  return list[1]!.split(',').flatMap((alt) => expand(path.replace(list[0], alt)));
};
const normalise = (path: string) => path.replace(/\?.*$/, '').replace(/\{[^}]*\}/g, '{}');

/** `[method?, path]` of every backticked `/api/…` path in the README. */
const mentioned = [...readme.matchAll(/`(?:([A-Z]+) )?(\/api\/[^`\s]*)`/g)].flatMap(([, method, path]) =>
  expand(path!).map((p) => ({ method: method && METHODS.includes(method) ? method : undefined, path: p })),
);

let documented: { method: string; path: string }[];
beforeAll(async () => {
  const h = await createHarness();
  const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await h.request('GET', '/openapi.json'));
  documented = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m.toUpperCase()))
      .map((m) => ({ method: m.toUpperCase(), path: normalise(path) })),
  );
});

describe('README endpoints', () => {
  it('finds the README paths (so an empty match cannot pass)', () => {
    expect(mentioned.length).toBeGreaterThan(50);
    expect(mentioned).toContainEqual({ method: undefined, path: '/api/leads' });
  });

  it('every path (and method, where given) the README names is in /openapi.json', () => {
    const missing = mentioned.filter(({ method, path }) => {
      const wildcard = /[…*]$/.test(path);
      const wanted = normalise(wildcard ? path.slice(0, -1) : path);
      const matches = (p: string) => p === wanted || (wildcard && p.startsWith(wanted)) || (!method && p.startsWith(`${wanted}/`));
      return !documented.some((d) => matches(d.path) && (!method || d.method === method));
    });
    expect(missing).toEqual([]);
  });
});
