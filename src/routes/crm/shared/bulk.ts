import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Schema } from 'hono';
import type { TenantTable } from '../../../db/scoped.ts';
import type { AppEnv } from '../../../lib/context.ts';
import { createRouter } from '../../../lib/openapi.ts';
import { registerExport } from './export.ts';
import { registerImport } from './import.ts';
import type { CrmResourceConfig, CrmTable } from './resource.ts';

export type IdTable = TenantTable & { id: AnyPgColumn };

export interface BulkConfig<T extends CrmTable> {
  /** The resource's CRUD config: table, schemas, filters, ownership, custom fields. */
  crm: CrmResourceConfig<T>;
  /** The upsert key of imports; its unique index is (tenant_id, lower(key)). */
  key: 'email' | 'domain';
}

/**
 * Adds `POST /import` and `GET /export` to a resource's CRUD router. They are
 * registered first: the CRUD router's `/{id}` would otherwise take `/export`
 * (and answer 400, not a uuid).
 */
export function withImportExport<T extends CrmTable, S extends Schema>(crud: OpenAPIHono<AppEnv, S>, config: BulkConfig<T>) {
  return createRouter().route('/', registerImport(createRouter(), config)).route('/', registerExport(createRouter(), config)).route('/', crud);
}
