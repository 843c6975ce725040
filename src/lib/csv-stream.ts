import type { Context } from 'hono';
import { csvLine } from '../routes/crm/shared/csv.ts';
import { allows } from './access.ts';
import { audit } from './audit.ts';
import type { AppEnv } from './context.ts';
import { ApiError } from './errors.ts';
import type { Resource } from './permissions.ts';

/** Rows read per query while streaming: memory stays flat whatever the export's size. */
export const CSV_BATCH = 500;

export interface CsvExport<T, S extends Record<string, unknown>> {
  /** File name without the date and extension, e.g. `audit-logs`. */
  name: string;
  /** The export is audited as `<resourceType>.exported`, with its query. */
  resourceType: string;
  /** Keys of `show(row)` (the row as the JSON list shows it), in column order. */
  columns: readonly (keyof S & string)[];
  show: (row: T) => S;
  /** One keyset page (keysetPage's page()) of at most CSV_BATCH rows after `cursor`; each call its own short transaction. */
  page: (cursor: string | undefined) => Promise<{ data: T[]; pagination: { nextCursor: string | null } }>;
}

/** Whether a list request asks for CSV: `?format=csv` or an Accept header preferring text/csv. */
export const wantsCsv = (c: Context<AppEnv>, format: string | undefined) =>
  format === 'csv' || (format === undefined && /^\s*text\/csv\b/i.test(c.req.header('accept') ?? ''));

/**
 * A list answering as CSV (`wantsCsv`) needs what its `/export` route's
 * authorize() checks, and takes no paging: a download is the whole filtered
 * set, so `limit`/`cursor` are refused rather than silently ignored.
 */
export function checkCsvFromList(c: Context<AppEnv>, resource: Resource) {
  if (!allows(c.get('principal'), resource, 'export'))
    throw new ApiError('insufficient_permissions', `Your role cannot export ${resource.replaceAll('_', ' ')}`);
  const paging = ['limit', 'cursor'].filter((p) => c.req.query(p) !== undefined);
  if (paging.length) {
    throw new ApiError(
      'validation_error',
      'A CSV export has no pages',
      paging.map((field) => ({ field, message: 'not accepted with CSV' })),
    );
  }
}

/**
 * Audits the export (its own transaction, before the first byte), then
 * streams RFC 4180 CSV (csv.ts: formula-injection safe) read in keyset pages
 * as the client consumes it, so nothing holds the whole result.
 */
export async function auditedCsvResponse<T, S extends Record<string, unknown>>(c: Context<AppEnv>, spec: CsvExport<T, S>): Promise<Response> {
  await c
    .get('tenantDb')
    .transaction((s) => audit(c, s, { action: `${spec.resourceType}.exported`, resourceType: spec.resourceType, changes: { query: c.req.query() } }));
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(csvLine([...spec.columns])));
      },
      async pull(controller) {
        const { data, pagination } = await spec.page(cursor).catch((error: unknown) => {
          // The 200 is already sent: the client sees a cut-off body, the log says why.
          c.get('deps').logger.error('csv export failed mid-stream', {
            requestId: c.get('requestId'),
            error: error instanceof Error ? error.message : String(error),
          });
          throw error;
        });
        const lines = data.map((row) => {
          const shown = spec.show(row);
          return csvLine(spec.columns.map((k) => shown[k]));
        });
        if (lines.length) controller.enqueue(encoder.encode(lines.join('')));
        cursor = pagination.nextCursor ?? undefined;
        if (!cursor) controller.close();
      },
    },
    { highWaterMark: 1 },
  );
  const date = new Date().toISOString().slice(0, 10);
  return c.body(body, 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${spec.name}-${date}.csv"`,
    'Cache-Control': 'no-store',
  });
}
