import type { Context } from 'hono';
import { csvLine } from '../routes/crm/shared/csv.ts';
import type { AppEnv } from './context.ts';
import { ApiError } from './errors.ts';

/** Rows read per query while streaming: memory stays flat whatever the export's size. */
export const CSV_BATCH = 500;

export interface CsvExport<T> {
  /** File name without the date and extension, e.g. `audit-logs`. */
  name: string;
  header: string[];
  line: (row: T) => unknown[];
  /** One keyset page of at most CSV_BATCH rows after `cursor`; each call its own short transaction. */
  page: (cursor: string | undefined) => Promise<{ data: T[]; nextCursor: string | null }>;
}

/** Whether a list request asks for CSV: `?format=csv` or an Accept header preferring text/csv. */
export const wantsCsv = (c: Context<AppEnv>, format: string | undefined) =>
  format === 'csv' || (format === undefined && /^\s*text\/csv\b/i.test(c.req.header('accept') ?? ''));

/** A CSV download is the whole filtered set: paging parameters are refused rather than silently ignored. */
export function refusePaging(c: Context<AppEnv>) {
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
 * Streams RFC 4180 CSV (csv.ts: formula-injection safe) read in keyset pages
 * as the client consumes it, so nothing holds the whole result.
 */
export function csvResponse<T>(c: Context<AppEnv>, spec: CsvExport<T>): Response {
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(csvLine(spec.header)));
      },
      async pull(controller) {
        const { data, nextCursor } = await spec.page(cursor).catch((error: unknown) => {
          // The 200 is already sent: the client sees a cut-off body, the log says why.
          c.var.deps.logger.error('csv export failed mid-stream', {
            requestId: c.get('requestId'),
            error: error instanceof Error ? error.message : String(error),
          });
          throw error;
        });
        if (data.length) controller.enqueue(encoder.encode(data.map((row) => csvLine(spec.line(row))).join('')));
        cursor = nextCursor ?? undefined;
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
