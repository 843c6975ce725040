import SwaggerParser from '@apidevtools/swagger-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json } from '../harness.ts';

/**
 * The served OpenAPI document is valid OpenAPI 3.1 (checked by a real
 * validator) and describes every route the app implements, no more.
 */
type Operation = {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { example?: unknown }>; securitySchemes: Record<string, { type: string; scheme?: string }> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
// The reference page and the document itself are not API operations.
const NOT_API = new Set(['/docs', '/docs/scalar.js', '/openapi.json']);

let h: Harness;
let doc: Doc;
beforeAll(async () => {
  h = await createHarness();
  const res = await h.request('GET', '/openapi.json');
  expect(res.status).toBe(200);
  doc = await json<Doc>(res);
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  );

describe('OpenAPI document', () => {
  it('passes swagger-parser validation (OpenAPI 3.1 schema, refs, parameters)', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('the validator does reject a broken document (so the check above means something)', async () => {
    const broken = structuredClone(doc) as unknown as Record<string, unknown> & Doc;
    const first = Object.values(broken.paths)[0] as Record<string, unknown>;
    first.get = { responses: { 200: { description: 'x', content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } } } } };
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it('lists every implemented route, and only those', () => {
    const implemented = new Set(
      h.app.routes
        // ALL entries are middleware (router.use); OPTIONS is answered by CORS.
        .filter((r) => METHODS.includes(r.method.toLowerCase()) && !NOT_API.has(r.path))
        .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`),
    );
    const documented = new Set(operations().map((o) => o.key));
    expect([...implemented].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !implemented.has(r)).sort()).toEqual([]);
    expect(implemented.size).toBeGreaterThan(40);
  });

  it('declares the auth schemes (JWT bearer, API key) and only uses declared ones', () => {
    const schemes = doc.components.securitySchemes;
    expect(schemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.apiKeyAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { key, op } of operations()) {
      for (const requirement of op.security ?? []) {
        for (const name of Object.keys(requirement)) expect(schemes[name], `${key} uses ${name}`).toBeDefined();
      }
    }
  });

  it('documents errors with the one Error schema, which has an example', () => {
    expect(doc.components.schemas.Error?.example).toMatchObject({ error: 'validation_error', requestId: expect.any(String) });
    for (const { key, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        const schema = response.content?.['application/json']?.schema;
        if (Number(status) >= 400 && schema) expect(schema.$ref, `${key} ${status}`).toBe('#/components/schemas/Error');
      }
    }
  });

  it('has examples for the first calls a developer makes', () => {
    expect(doc.components.schemas.LoginRequest?.example).toMatchObject({ email: 'admin@acme.example', tenant: 'acme' });
    for (const name of ['User', 'Tenant', 'Tokens']) expect(doc.components.schemas[name]?.example, name).toBeDefined();
  });
});
