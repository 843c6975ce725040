import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.ts';

/**
 * Every setting src/config.ts validates is documented: a row of the README's
 * Configuration table, and a line of wrangler.toml ([vars], a commented
 * default, or the secrets comment), so a new variable cannot ship unexplained;
 * and every variable of that table is read by the app, so a removed one cannot
 * stay documented.
 */
const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const keys = Object.keys(configSchema.shape);

const readme = read('README.md');
const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1));
const rows = section.split('\n').filter((line) => line.startsWith('| `'));
const documented = new Set(rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!)));
// Read outside the schema: listen address, database choice and pool (Node/Deno start-up, Worker entry).
const entries = ['src/node.ts', 'src/server.ts', 'src/worker-bindings.ts'].map(read).join('\n');

describe('configuration docs', () => {
  it('reads the keys from the schema', () => {
    expect(keys).toContain('JWT_SECRET');
    expect(keys.length).toBeGreaterThan(40);
  });

  it('every variable has a row in the README Configuration table', () => {
    expect(keys.filter((k) => !documented.has(k))).toEqual([]);
  });

  it('every variable of the README Configuration table is validated by the schema or read by a runtime entry', () => {
    expect(documented.size).toBeGreaterThan(40);
    const unread = [...documented].filter((name) => !keys.includes(name) && !new RegExp(`\\b(?:env|vars)\\.${name}\\b`).test(entries));
    expect(unread).toEqual([]);
  });

  it('every variable is named in wrangler.toml', () => {
    const toml = read('wrangler.toml');
    expect(keys.filter((k) => !new RegExp(`\\b${k}\\b`).test(toml))).toEqual([]);
  });
});
