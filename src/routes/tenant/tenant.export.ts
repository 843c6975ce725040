import { asc, eq, getTableColumns, getTableName, gt } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import journal from '../../../drizzle/meta/_journal.json' with { type: 'json' };
import {
  accounts,
  activities,
  apiKeys,
  auditLogs,
  contacts,
  customFieldDefinitions,
  deals,
  leads,
  pipelines,
  securityEvents,
  stages,
  tenants,
  users,
  webhookEndpoints,
} from '../../db/schema/index.ts';
import type { Scoped, TenantDb, TenantTable } from '../../db/scoped.ts';

/** Rows read per query: the stream holds one batch at a time, whatever the tenant's size. */
export const EXPORT_BATCH = 1000;
export const EXPORT_FORMAT_VERSION = 1;
/** The newest migration this code knows: tells a reader which table shapes the files follow. */
export const SCHEMA_VERSION = journal.entries.at(-1)?.tag ?? 'unknown';

type Row = Record<string, unknown>;
type Columns = Record<string, AnyPgColumn>;

interface Source {
  /** File name in the archive, without `.ndjson`. */
  name: string;
  /** The table whose rows the file holds (the tenant row for `tenant`). */
  table: string;
  read(s: Scoped, after: string | undefined, limit: number): PromiseLike<Row[]>;
}

/** Every column but the listed ones (generated search text, the tenant id every row shares, secrets). */
function columnsWithout<T extends TenantTable>(table: T, omit: readonly (keyof T['$inferSelect'] & string)[]): Columns {
  const all = getTableColumns(table) as Columns;
  return Object.fromEntries(Object.entries(all).filter(([key]) => key !== 'tenantId' && !omit.includes(key as never)));
}

/** A tenant table read in id order, `limit` rows after `after`, through the scoped layer. */
function tableSource<T extends TenantTable & { id: AnyPgColumn }>(name: string, table: T, omit: readonly (keyof T['$inferSelect'] & string)[] = []): Source {
  const columns = columnsWithout(table, omit);
  return {
    name,
    table: getTableName(table),
    read: (s, after, limit) =>
      s.q
        .select(columns)
        .from(table as PgTable)
        .where(s.where(table, after === undefined ? undefined : gt(table.id, after)))
        .orderBy(asc(table.id))
        .limit(limit) as PromiseLike<Row[]>,
  };
}

/** The tenant itself: identity, plan and subscription state (no Stripe secrets exist on the row, only ids). */
const tenantSource: Source = {
  name: 'tenant',
  table: getTableName(tenants),
  // One row, fewer than a batch: the stream moves on after the first read.
  read: (s) => {
    // billingStateAt only orders incoming Stripe events: bookkeeping, not tenant data.
    const { billingStateAt: _bookkeeping, ...columns } = getTableColumns(tenants);
    return s.q.select(columns).from(tenants).where(eq(tenants.id, s.tenantId)).limit(1) as PromiseLike<Row[]>;
  },
};

/** What the archive holds, in order. Secrets are left out by column, never filtered from values. */
export const exportSources: readonly Source[] = [
  tenantSource,
  tableSource('users', users, ['passwordHash', 'tokenVersion']),
  tableSource('api_keys', apiKeys, ['tokenHash']),
  tableSource('accounts', accounts, ['search']),
  tableSource('contacts', contacts, ['search']),
  tableSource('leads', leads, ['search']),
  tableSource('pipelines', pipelines),
  tableSource('stages', stages),
  tableSource('deals', deals, ['search']),
  tableSource('activities', activities, ['search']),
  tableSource('custom_field_definitions', customFieldDefinitions),
  tableSource('security_events', securityEvents),
  tableSource('webhook_endpoints', webhookEndpoints, ['secretEncrypted']),
  tableSource('audit_logs', auditLogs),
];

/** Tenant tables deliberately not exported, with the reason (the manifest lists them too). */
export const excludedTables: Readonly<Record<string, string>> = {
  refresh_tokens: 'session credentials (hashes only), meaningless outside this service',
  invitations: 'pending invitation credentials; invited users are in users.ndjson with status "invited"',
  idempotency_keys: 'a 24-hour replay cache of API responses, not tenant data',
  password_resets: 'single-use password reset credentials (hashes only), meaningless outside this service',
  audit_chain_heads: "the audit chain's latest link, derived: the last row of audit_logs.ndjson by seq carries the same seq and hash",
  webhook_events: 'the outbound webhook outbox: copies of changes to records that are exported themselves',
  webhook_deliveries: 'the delivery log of those outbound webhooks (operational, not tenant data)',
};

export interface ExportMeta {
  tenantId: string;
  generatedAt: Date;
}

/**
 * The tenant as a zip streamed while it is read: one NDJSON file per source,
 * each filled from keyset batches (one short transaction per batch, so no
 * connection is held while a slow client downloads), deflated as it goes,
 * then manifest.json with the record counts. Memory is one batch plus the
 * compressor's window, whatever the tenant's size.
 */
export function tenantArchive(tenantDb: TenantDb, meta: ExportMeta, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const counts: Record<string, number> = {};
  let index = 0;
  let file: ZipDeflate | null = null;
  let cursor: string | undefined;
  let finished = false;
  let zip: Zip;

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        zip = new Zip((error, chunk, final) => {
          if (error) return controller.error(error);
          if (chunk.length) controller.enqueue(chunk);
          if (final) controller.close();
        });
      },
      async pull() {
        if (finished) return;
        const source = exportSources[index];
        if (!source) {
          finished = true;
          const manifest = new ZipPassThrough('manifest.json');
          zip.add(manifest);
          manifest.push(encoder.encode(JSON.stringify(manifestOf(meta, counts), null, 2)), true);
          zip.end();
          return;
        }
        if (!file) {
          file = new ZipDeflate(`${source.name}.ndjson`, { level: 6 });
          zip.add(file);
          cursor = undefined;
          counts[source.name] = 0;
        }
        const [rows] = await tenantDb
          .batch((s) => [source.read(s, cursor, EXPORT_BATCH)] as const)
          .catch((error: unknown) => {
            onError(error);
            throw error;
          });
        const last = rows.length < EXPORT_BATCH;
        file.push(encoder.encode(rows.map((row) => `${JSON.stringify(row)}\n`).join('')), last);
        counts[source.name] = (counts[source.name] ?? 0) + rows.length;
        cursor = rows.at(-1)?.id as string | undefined;
        if (last) {
          file = null;
          index++;
        }
      },
    },
    { highWaterMark: 1 },
  );
}

function manifestOf(meta: ExportMeta, counts: Record<string, number>) {
  return {
    format: 'crm-tenant-export',
    formatVersion: EXPORT_FORMAT_VERSION,
    schemaVersion: SCHEMA_VERSION,
    tenantId: meta.tenantId,
    generatedAt: meta.generatedAt.toISOString(),
    files: exportSources.map((s) => ({ name: `${s.name}.ndjson`, table: s.table, records: counts[s.name] ?? 0 })),
    excluded: Object.entries(excludedTables).map(([table, reason]) => ({ table, reason })),
  };
}
