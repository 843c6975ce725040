import { env } from 'cloudflare:workers';
import type { ExecutionContext } from 'hono';
import { describe, expect, inject, it } from 'vitest';
import worker from '../../src/worker.ts';

/**
 * src/worker.ts itself, in workerd: the app is built on the first request of
 * an isolate (per env object), and a build that fails on bad bindings answers
 * a generic 500 and is not kept.
 */
const { skip } = inject('workers');
const ctx = { waitUntil: () => {}, passThroughOnException: () => {} } as unknown as ExecutionContext;
const health = (bindings: Record<string, unknown>) => worker.fetch(new Request('http://localhost/health'), bindings, ctx);

describe.skipIf(skip)('Worker entry', () => {
  it('answers a misconfigured isolate with a generic 500, then builds the app once the bindings are fixed', async () => {
    const { DATABASE_URL, ...rest } = env as unknown as Record<string, unknown>;
    expect(typeof DATABASE_URL).toBe('string');
    const bindings: Record<string, unknown> = { ...rest };

    const broken = await health(bindings);
    expect(broken.status).toBe(500);
    const body = await broken.text();
    expect(JSON.parse(body)).toMatchObject({ error: 'internal_error', message: 'The service is misconfigured' });
    expect(body).not.toContain(String(rest.JWT_SECRET));

    // Same env object: a kept failed build would still answer 500.
    bindings.DATABASE_URL = DATABASE_URL;
    const fixed = await health(bindings);
    expect(fixed.status).toBe(200);
    expect(await fixed.json()).toMatchObject({ status: 'ok' });
  });
});
