import { beforeAll, describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { createHarness, type Harness, json } from '../harness.ts';

/**
 * /docs shows an example for every request body and every 2xx JSON response:
 * each one is composed from the document (a schema's own `example`, else its
 * properties' or items' examples, enum values, null for nullable fields) and
 * must exist, and must pass the zod schema the route really uses, so an
 * example can neither be missing nor lie.
 */
type JsonSchema = {
  $ref?: string;
  example?: unknown;
  examples?: unknown[];
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: unknown;
};
type Content = { content?: Record<string, { schema?: JsonSchema }> };
type Doc = {
  paths: Record<string, Record<string, { requestBody?: Content; responses: Record<string, Content> }>>;
  components: { schemas: Record<string, JsonSchema> };
};
type RouteDef = {
  type: string;
  route: {
    method: string;
    path: string;
    request?: { body?: { content: Record<string, { schema: ZodType }> } };
    responses: Record<string, { content?: Record<string, { schema: ZodType }> }>;
  };
};

const MISSING = Symbol('missing');

let h: Harness;
let doc: Doc;

beforeAll(async () => {
  h = await createHarness();
  doc = await json<Doc>(await h.request('GET', '/openapi.json'));
});

/** The example /docs can show for a schema, or MISSING with the path of the first field that has none. */
function exampleOf(schema: JsonSchema, at: string, missing: string[]): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return exampleOf(doc.components.schemas[name] ?? {}, `${at}<${name}>`, missing);
  }
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const nonNull = alternatives.filter((s) => s.type !== 'null');
    const found = nonNull.map((s) => exampleOf(s, at, [])).find((v) => v !== MISSING);
    if (found !== undefined) return found;
    if (nonNull.length < alternatives.length) return null;
    return exampleOf(nonNull[0] ?? {}, at, missing);
  }
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => exampleOf(s, at, missing)));
  const types = [schema.type].flat();
  if (types.includes('null') && types.length > 1 && !schema.properties && !schema.items) return null;
  if (schema.properties) {
    const entries = Object.entries(schema.properties).flatMap(([key, property]) => {
      const value = exampleOf(property, `${at}.${key}`, schema.required?.includes(key) ? missing : []);
      return value === MISSING ? [] : [[key, value] as const];
    });
    return Object.fromEntries(entries);
  }
  if (schema.items) {
    const item = exampleOf(schema.items, `${at}[]`, missing);
    return item === MISSING ? MISSING : [item];
  }
  if (types.includes('object') && schema.additionalProperties !== undefined) return {};
  missing.push(at);
  return MISSING;
}

const routeDefs = () => (h.app.openAPIRegistry.definitions as unknown as RouteDef[]).filter((d) => d.type === 'route');

describe('examples in the OpenAPI document', () => {
  it('every request body and 2xx JSON response has an example that its zod schema accepts', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { route } of routeDefs()) {
      const op = doc.paths[route.path]?.[route.method];
      if (!op) continue;
      const key = `${route.method.toUpperCase()} ${route.path}`;
      const bodies: [string, JsonSchema | undefined, ZodType | undefined][] = [
        ['request', op.requestBody?.content?.['application/json']?.schema, route.request?.body?.content['application/json']?.schema],
        ...Object.entries(op.responses)
          .filter(([status]) => /^2\d\d$/.test(status))
          .map(([status, response]): [string, JsonSchema | undefined, ZodType | undefined] => [
            status,
            response.content?.['application/json']?.schema,
            route.responses[status]?.content?.['application/json']?.schema,
          ]),
      ];
      for (const [what, schema, zod] of bodies) {
        if (!schema || !zod) continue;
        checked++;
        const missing: string[] = [];
        const example = exampleOf(schema, 'body', missing);
        if (missing.length || example === MISSING) {
          problems.push(`${key} ${what}: no example for ${missing.join(', ') || 'body'}`);
          continue;
        }
        const parsed = zod.safeParse(example);
        if (!parsed.success)
          problems.push(`${key} ${what}: example rejected: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });

  it('the check does catch a missing example and a wrong one', () => {
    const missing: string[] = [];
    expect(exampleOf({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }, 'body', missing)).toEqual({});
    expect(missing).toEqual(['body.name']);
    const lead = routeDefs().find((d) => d.route.method === 'post' && d.route.path === '/api/leads');
    expect(lead?.route.responses['201']?.content?.['application/json']?.schema.safeParse({ data: { id: 'not-a-uuid' } }).success).toBe(false);
  });
});
