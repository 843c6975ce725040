import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/client.ts';
import * as schema from '../../src/db/schema/index.ts';
import { scopedQueries } from '../../src/db/scoped.ts';

// The first wall of isolation, checked without RLS: every statement the scoped layer builds names the tenant.
const tenant = '11111111-1111-4111-8111-111111111111';
const s = scopedQueries(drizzle.mock({ schema }) as unknown as Queryable, tenant);
const sqlOf = (q: unknown) => (q as { toSQL(): { sql: string; params: unknown[] } }).toSQL();

describe('scoped queries', () => {
  it.each([
    ['select', () => s.select(schema.leads, { where: eq(schema.leads.status, 'new'), limit: 5, lock: 'update' })],
    ['count', () => s.count(schema.leads)],
    ['update', () => s.update(schema.leads, { score: 1 }, eq(schema.leads.id, tenant))],
    ['delete', () => s.delete(schema.leads, eq(schema.leads.id, tenant))],
  ])('%s filters on the tenant', (_name, build) => {
    const { sql, params } = sqlOf(build());
    const n = /"leads"\."tenant_id" = \$(\d+)/.exec(sql)?.[1];
    expect(n, sql).toBeDefined();
    expect(params[Number(n) - 1]).toBe(tenant);
  });

  it('insert sets the tenant and ignores a smuggled one', () => {
    const values = { lastName: 'X', tenantId: '22222222-2222-4222-8222-222222222222' } as never;
    const { params } = sqlOf(s.insert(schema.leads, values));
    expect(params).toContain(tenant);
    expect(params).not.toContain('22222222-2222-4222-8222-222222222222');
  });

  it('update cannot move a row to another tenant', () => {
    const { sql } = sqlOf(s.update(schema.leads, { score: 2, tenantId: '22222222-2222-4222-8222-222222222222' } as never, undefined));
    expect(sql).toMatch(/^update "leads" set "score" = \$1 where/);
  });

  it('passes the row lock through', () => {
    const { sql } = sqlOf(s.select(schema.stages, { lock: 'key share', limit: 1 }));
    expect(sql).toMatch(/for key share$/);
  });
});
