import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.ts';
import { ApiError } from '../../src/lib/errors.ts';
import { keysetPage, newestFirst, paginationQuery } from '../../src/lib/pagination.ts';

const dialect = new PgDialect();
const row = (createdAt: string, id: string) => ({ createdAt: new Date(createdAt), id });

const rows = [
  row('2026-03-01T12:00:00.789Z', 'f0000000-0000-4000-8000-000000000003'),
  row('2026-03-01T12:00:00.789Z', 'f0000000-0000-4000-8000-000000000002'),
  row('2026-02-01T08:30:00.001Z', 'f0000000-0000-4000-8000-000000000001'),
];

function cursorError(cursor: string): ApiError {
  try {
    keysetPage(newestFirst(users), { limit: 2, cursor });
  } catch (e) {
    return e as ApiError;
  }
  throw new Error(`cursor ${cursor} was accepted`);
}

describe('keyset pagination helper', () => {
  it('fetches limit + 1, orders by created_at desc then id desc, and has no filter on the first page', () => {
    const page = keysetPage(newestFirst(users), { limit: 2 });
    expect(page.limit).toBe(3);
    expect(page.where).toBeUndefined();
    expect(page.orderBy.map((o) => dialect.sqlToQuery(o as never).sql)).toEqual(['"users"."created_at" desc', '"users"."id" desc']);
  });

  it('returns a URL-safe nextCursor only when there is a further page', () => {
    const page = keysetPage(newestFirst(users), { limit: 2 });
    const full = page.page(rows);
    expect(full.data).toEqual(rows.slice(0, 2));
    expect(full.pagination.limit).toBe(2);
    expect(full.pagination.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(page.page(rows.slice(0, 2)).pagination.nextCursor).toBeNull();
    expect(page.page([]).pagination).toEqual({ limit: 2, nextCursor: null });
  });

  it('round-trips the cursor: the next page starts strictly after the last row, to the millisecond', () => {
    const cursor = keysetPage(newestFirst(users), { limit: 2 }).page(rows).pagination.nextCursor as string;
    const next = keysetPage(newestFirst(users), { limit: 2, cursor });
    expect(next.where).toBeDefined();
    const query = dialect.sqlToQuery(next.where!);
    expect(query.sql).toBe('("users"."created_at", "users"."id") < ($1, $2)');
    const last = rows[1]!;
    expect(query.params.map(String)).toEqual([last.createdAt.toISOString(), last.id]);
  });

  it('rejects malformed cursors with validation_error on the cursor field', () => {
    const b64 = (v: string) => btoa(v).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    const bad = [
      'not-a-cursor',
      '!!!',
      b64('not json'),
      b64('{}'),
      b64('[]'),
      b64(JSON.stringify(['not a date', 'f0000000-0000-4000-8000-000000000001'])),
      b64(JSON.stringify(['2026-03-01T12:00:00.000Z', 'not-a-uuid'])),
      b64(JSON.stringify(['2026-03-01T12:00:00.000Z', "1' or '1'='1"])),
      // Today's shape ([sort key, direction, value, id]) with a bad value or id.
      b64(JSON.stringify(['createdAt', 'd', 'not a date', 'f0000000-0000-4000-8000-000000000001'])),
      b64(JSON.stringify(['createdAt', 'd', 12345, 'f0000000-0000-4000-8000-000000000001'])),
      b64(JSON.stringify(['createdAt', 'd', '2026-03-01T12:00:00.000Z', 'not-a-uuid'])),
      b64(JSON.stringify(['createdAt', 'd', '2026-03-01T12:00:00.000Z', "1' or '1'='1"])),
    ];
    for (const cursor of bad) {
      const err = cursorError(cursor);
      expect(err).toBeInstanceOf(ApiError);
      expect(err.code).toBe('validation_error');
      expect(err.status).toBe(400);
      expect(err.details).toEqual([expect.objectContaining({ field: 'cursor' })]);
    }
  });

  it('rejects a cursor made for another sort order', () => {
    const cursor = keysetPage(newestFirst(users), { limit: 2 }).page(rows).pagination.nextCursor as string;
    const oldestFirst = { ...newestFirst(users), descending: false };
    expect(() => keysetPage(oldestFirst, { limit: 2, cursor })).toThrow(ApiError);
    const byEmail = { key: 'email', column: users.email, id: users.id, descending: false };
    expect(() => keysetPage(byEmail, { limit: 2, cursor })).toThrow(ApiError);
  });

  it('validates limit bounds in the query schema', () => {
    expect(paginationQuery.parse({})).toEqual({ limit: 25 });
    expect(paginationQuery.parse({ limit: '2' })).toEqual({ limit: 2 });
    expect(paginationQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(paginationQuery.safeParse({ limit: '101' }).success).toBe(false);
    expect(paginationQuery.safeParse({ limit: '2.5' }).success).toBe(false);
  });
});
