import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import type { Context } from 'hono';
import { type ApiKey, apiKeys } from '../../db/schema/index.ts';
import type { Scoped } from '../../db/scoped.ts';
import { apiKeySecret } from '../../lib/api-key-secret.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import { ApiError, notFound } from '../../lib/errors.ts';
import { keysetPage, newestFirst } from '../../lib/pagination.ts';
import { coversScopes } from '../../lib/scopes.ts';
import type * as routes from './api-keys.routes.ts';
import { toApiKey } from './api-keys.schemas.ts';

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

/** Like roles (nobody grants a role above their own): a key managing keys hands out no scope it lacks. */
function assertGrantable(c: Context<AppEnv>, requested: readonly string[]) {
  const principal = c.get('principal');
  if (principal.kind === 'api_key' && !coversScopes(principal.scopes, requested)) {
    throw new ApiError('insufficient_permissions', 'An API key cannot grant scopes it does not hold');
  }
}

/** A new secret and what is stored of it. */
async function newSecret(tenantId: string) {
  const secret = apiKeySecret.create(tenantId);
  return { secret, stored: { tokenHash: await apiKeySecret.hash(secret), ...apiKeySecret.visible(secret) } };
}

async function find(s: Scoped, id: string): Promise<ApiKey> {
  const [row] = await s.select(apiKeys, { where: eq(apiKeys.id, id), limit: 1 });
  if (!row) throw notFound('API key');
  return row;
}

/** Responses that carry a secret must not be kept by any cache. */
const withSecret = (c: Context<AppEnv>, row: ApiKey, secret: string) => {
  c.header('Cache-Control', 'no-store');
  return { data: { ...toApiKey(row), secret } };
};

export const create: Handler<'create'> = async (c) => {
  const body = c.req.valid('json');
  assertGrantable(c, body.scopes);
  const tenantDb = c.get('tenantDb');
  const { secret, stored } = await newSecret(tenantDb.tenantId);
  const row = await tenantDb.transaction(async (s) => {
    const [created] = await s
      .insert(apiKeys, {
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        rateLimitPerMinute: body.rateLimitPerMinute ?? null,
        createdBy: c.get('principal').userId,
        ...stored,
      })
      .returning();
    if (!created) throw new Error('api key insert returned nothing');
    const { name, scopes, expiresAt, rateLimitPerMinute, prefix, lastFour } = created;
    await audit(c, s, {
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: created.id,
      changes: { after: { name, scopes, expiresAt, rateLimitPerMinute, prefix, lastFour } },
    });
    return created;
  });
  c.header('Location', `/api/api-keys/${row.id}`);
  return c.json(withSecret(c, row, secret), 201);
};

export const list: Handler<'list'> = async (c) => {
  const query = c.req.valid('query');
  const page = keysetPage(newestFirst(apiKeys), query);
  const [rows] = await c.get('tenantDb').batch((s) => [s.select(apiKeys, { where: page.where, orderBy: page.orderBy, limit: page.limit })] as const);
  const { data, pagination } = page.page(rows);
  return c.json({ data: data.map((k) => toApiKey(k)), pagination }, 200);
};

export const get: Handler<'get'> = async (c) => {
  const { id } = c.req.valid('param');
  const row = await c.get('tenantDb').transaction((s) => find(s, id));
  return c.json({ data: toApiKey(row) }, 200);
};

export const rotate: Handler<'rotate'> = async (c) => {
  const { id } = c.req.valid('param');
  const tenantDb = c.get('tenantDb');
  const { secret, stored } = await newSecret(tenantDb.tenantId);
  const row = await tenantDb.transaction(async (s) => {
    const before = await find(s, id);
    assertGrantable(c, before.scopes);
    if (before.revokedAt) throw new ApiError('conflict', 'This API key is revoked; create a new one');
    if (before.expiresAt && before.expiresAt.getTime() <= Date.now()) throw new ApiError('conflict', 'This API key has expired; create a new one');
    // The old hash is overwritten: from this commit on, the old secret matches nothing.
    const [after] = await s.update(apiKeys, { ...stored, updatedAt: new Date() }, and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
    if (!after) throw new ApiError('conflict', 'This API key was revoked meanwhile');
    await audit(c, s, {
      action: 'api_key.rotated',
      resourceType: 'api_key',
      resourceId: id,
      changes: { before: { prefix: before.prefix, lastFour: before.lastFour }, after: { prefix: after.prefix, lastFour: after.lastFour } },
    });
    return after;
  });
  // The old secret must stop working here at once, not when its cache entry expires.
  c.get('principals').invalidateTenant(tenantDb.tenantId);
  return c.json(withSecret(c, row, secret), 200);
};

export const revoke: Handler<'revoke'> = async (c) => {
  const { id } = c.req.valid('param');
  const row = await c.get('tenantDb').transaction(async (s) => {
    const before = await find(s, id);
    if (before.revokedAt) return before;
    const now = new Date();
    const [after] = await s.update(apiKeys, { revokedAt: now, updatedAt: now }, and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
    if (!after) return find(s, id);
    await audit(c, s, {
      action: 'api_key.revoked',
      resourceType: 'api_key',
      resourceId: id,
      changes: { before: { revokedAt: null }, after: { revokedAt: now } },
    });
    return after;
  });
  c.get('principals').invalidateTenant(c.get('tenantDb').tenantId);
  return c.json({ data: toApiKey(row) }, 200);
};
