import { exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';

/**
 * The Worker entry wires the Upstash store from its bindings: counters live
 * in Redis (through the local Upstash REST bridge), not in the isolate.
 */
const { skip, bindings } = inject('workers');
const upstash = bindings.UPSTASH_REDIS_REST_URL ? { url: bindings.UPSTASH_REDIS_REST_URL, token: bindings.UPSTASH_REDIS_REST_TOKEN } : null;

async function upstashCommand(command: unknown[]) {
  const res = await fetch(upstash?.url as string, { method: 'POST', headers: { authorization: `Bearer ${upstash?.token}` }, body: JSON.stringify(command) });
  return ((await res.json()) as { result: unknown }).result;
}

describe.skipIf(skip || !upstash)('Worker rate limits through Upstash', () => {
  it('counts per IP in the shared store and answers with the IETF headers', async () => {
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await exports.default.fetch(new Request('http://localhost/health', { headers: { 'CF-Connecting-IP': ip } }));
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toMatch(/"ip";q=\d+;w=60/);
      remaining.push(Number(/"ip";r=(\d+)/.exec(res.headers.get('ratelimit') ?? '')?.[1]));
      await res.text();
    }
    expect(remaining[1]).toBe((remaining[0] as number) - 1);
    expect(remaining[2]).toBe((remaining[0] as number) - 2);
    const keys = (await upstashCommand(['KEYS', `crm:rl:ip:${ip}:*`])) as string[];
    expect(keys).toHaveLength(1);
    expect(Number(await upstashCommand(['GET', keys[0]]))).toBe(3);
  });
});
