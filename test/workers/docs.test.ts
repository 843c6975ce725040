import { env, exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';

/**
 * /docs on Workers needs no CDN: the page loads Scalar's bundle from this
 * origin (wrangler.toml [assets], copied by scripts/docs-assets.ts).
 */
const { skip } = inject('workers');

const get = (path: string) => exports.default.fetch(new Request(`http://localhost${path}`, { headers: { 'CF-Connecting-IP': '203.0.113.9' } }));

describe.skipIf(skip)('API reference on Workers', () => {
  it('serves the page pointing at the same-origin bundle', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<script src="/docs/scalar.js"');
    expect(html).not.toContain('cdn.jsdelivr.net');
  });

  it('has the bundle in the static assets and serves it through the Worker too', async () => {
    const asset = await env.ASSETS.fetch(new Request('http://localhost/docs/scalar.js'));
    expect(asset.status).toBe(200);
    expect(await asset.text()).toContain('@scalar/api-reference');

    const res = await get('/docs/scalar.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    const body = await res.text();
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(body).toContain('createApiReference');
  });
});
