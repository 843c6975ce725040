import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, json, type Session } from '../harness.ts';

/**
 * A list's statement is compiled once per shape (which filters, sort, cursor) and reused with the
 * next request's values (src/routes/crm/shared/list-query.ts, Scoped.selectShaped). Each pair of
 * queries below has one shape and different values: each must answer with its own values' rows.
 */
let h: Harness;
let admin: Session;
let sales: Session;
beforeAll(async () => {
  h = await createHarness();
  admin = await h.login('acme', 'tenant_admin');
  sales = await h.login('acme', 'sales_user');
  const leads: [string, string, string, string, string][] = [
    ['ShapeA', 'new', 'web', admin.userId, '2026-01-10T12:00:00Z'],
    ['ShapeB', 'contacted', 'referral', sales.userId, '2026-02-10T12:00:00Z'],
    ['ShapeC', 'qualified', 'web', sales.userId, '2026-03-10T12:00:00Z'],
    ['ShapeD', 'new', 'referral', admin.userId, '2026-04-10T12:00:00Z'],
  ];
  for (const [lastName, status, source, ownerId, createdAt] of leads) {
    const res = await h.request('POST', '/api/leads', {
      token: admin.accessToken,
      body: { lastName, status, source, ownerId, email: `${lastName.toLowerCase()}@shapes.example` },
    });
    expect(res.status).toBe(201);
    await h.raw.query('update leads set created_at = $1 where id = $2', [createdAt, (await json(res)).data.id]);
  }
});

/** This file's leads only (their emails), unless the query searches for itself. */
async function list(query: string) {
  const scoped = /(^|&)q=/.test(query) ? query : `q=shapes.example&${query}`;
  const res = await h.request('GET', `/api/leads?${scoped}`, { token: admin.accessToken });
  expect(res.status).toBe(200);
  return json(res);
}
const names = async (query: string) => (await list(query)).data.map((l: { lastName: string }) => l.lastName).sort();

describe('list statements reused across requests of one shape', () => {
  it.each([
    ['status=new', ['ShapeA', 'ShapeD'], 'status=contacted', ['ShapeB']],
    ['status=new,qualified', ['ShapeA', 'ShapeC', 'ShapeD'], 'status=contacted,qualified', ['ShapeB', 'ShapeC']],
    ['source=web', ['ShapeA', 'ShapeC'], 'source=REFERRAL', ['ShapeB', 'ShapeD']],
    ['createdAtFrom=2026-02-01', ['ShapeB', 'ShapeC', 'ShapeD'], 'createdAtFrom=2026-03-15', ['ShapeD']],
    ['createdAtFrom=2026-02-01&createdAtTo=2026-03-31', ['ShapeB', 'ShapeC'], 'createdAtFrom=2026-01-01&createdAtTo=2026-02-28', ['ShapeA', 'ShapeB']],
    ['q=shapea@shapes', ['ShapeA'], 'q=shapec@shapes', ['ShapeC']],
  ])('%s then %s', async (first, firstNames, second, secondNames) => {
    expect(await names(first)).toEqual(firstNames);
    expect(await names(second)).toEqual(secondNames);
    expect(await names(first)).toEqual(firstNames);
  });

  it('fills ownerId=me with the caller and an explicit owner with that user', async () => {
    expect(await names('ownerId=me')).toEqual(['ShapeA', 'ShapeD']);
    expect(await names(`ownerId=${sales.userId}`)).toEqual(['ShapeB', 'ShapeC']);
  });

  it('walks pages whose cursors differ, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`sort=createdAt&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((l: { lastName: string }) => l.lastName));
      cursor = page.pagination.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['ShapeA', 'ShapeB', 'ShapeC', 'ShapeD']);
  });

  it('counts include=total with the same filters as the page', async () => {
    expect((await list('status=new&include=total&limit=1')).pagination.total).toBe(2);
    expect((await list('status=contacted&include=total&limit=1')).pagination.total).toBe(1);
  });
});
