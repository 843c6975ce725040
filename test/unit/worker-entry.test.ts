import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * A Worker's startup is the evaluation of its entry module and everything that
 * module imports statically. src/worker.ts keeps that to itself: zod, drizzle,
 * the Neon driver and the routers load on the first event (the bench's
 * `worker` section measures both).
 */
describe('Worker entry (src/worker.ts)', () => {
  const source = readFileSync('src/worker.ts', 'utf8');

  it('imports only types statically', () => {
    const runtimeImports = source.match(/^(?:import(?!\s+type\b)|export\s+[^;]*\bfrom\b)[^;]*;/gm) ?? [];
    expect(runtimeImports).toEqual([]);
  });

  it('loads the wiring with a dynamic import', () => {
    expect(source).toMatch(/import\('\.\/worker-bindings\.ts'\)/);
  });
});
