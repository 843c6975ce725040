import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { audit } from '../../../lib/audit.ts';
import type { AppEnv } from '../../../lib/context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { errorResponses } from '../../../lib/openapi.ts';
import { authenticate } from '../../../middleware/authenticate.ts';
import { authorize } from '../../../middleware/authorize.ts';
import type { BulkConfig } from './bulk.ts';
import { csvLine } from './csv.ts';
import { listQuery, listQuerySchema } from './list-query.ts';
import { type CrmTable, listSpecOf, presenterOf } from './resource.ts';

/** Rows read per query while streaming: memory stays flat whatever the export's size. */
export const EXPORT_BATCH = 500;
const PAGING_PARAMS = ['limit', 'cursor', 'include'];

/**
 * `GET /export`: the list's filters, search and sort, streamed as CSV. Rows
 * are read in keyset batches as the client consumes the stream (each batch
 * its own short transaction), so nothing holds the whole result.
 */
export function registerExport<T extends CrmTable>(router: OpenAPIHono<AppEnv>, config: BulkConfig<T>) {
  const { crm } = config;
  const { table, resource } = crm;
  const action = crm.singular.toLowerCase();
  const listSpec = listSpecOf(crm);
  const columns = Object.keys(crm.schemas.record.shape);
  const show = presenterOf(crm);

  const route = createRoute({
    method: 'get',
    path: '/export',
    tags: [`${crm.singular}s`],
    summary: `Export ${resource} as CSV`,
    description:
      "Takes the list filters, `q` and `sort` (not `limit`, `cursor` or `include`) and streams every matching record as RFC 4180 CSV. Cells starting with `=`, `+`, `-`, `@`, tab or CR are prefixed with `'` so spreadsheets do not run them as formulas.",
    middleware: [authenticate, authorize(resource, 'export')] as const,
    request: { query: listQuerySchema(listSpec) },
    responses: {
      200: { description: 'CSV, one header line then one line per record', content: { 'text/csv': { schema: z.string() } } },
      ...errorResponses(400, 401, 403),
    },
  });

  return router.openapi(route, (async (c: Context<AppEnv>) => {
    const paging = PAGING_PARAMS.filter((p) => c.req.query(p) !== undefined);
    if (paging.length) {
      throw new ApiError(
        'validation_error',
        'An export has no pages',
        paging.map((field) => ({ field, message: 'not accepted on export' })),
      );
    }
    const query = (c.req as unknown as { valid(t: 'query'): Record<string, unknown> }).valid('query');
    const principal = c.get('principal');
    const tenantDb = c.get('tenantDb');
    await tenantDb.transaction((s) => audit(c, s, { action: `${action}.exported`, resourceType: action, changes: { query: c.req.query() } }));

    const encoder = new TextEncoder();
    let cursor: string | undefined;
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          controller.enqueue(encoder.encode(csvLine(columns)));
        },
        async pull(controller) {
          const q = listQuery(listSpec, { ...query, limit: EXPORT_BATCH, cursor }, principal);
          const [rows] = await tenantDb
            .batch((s) => [s.selectShaped(table, q.statement)] as const)
            .catch((error: unknown) => {
              // The 200 is already sent: the client sees a cut-off body, the log says why.
              c.get('deps').logger.error('export failed mid-stream', {
                requestId: c.get('requestId'),
                error: error instanceof Error ? error.message : String(error),
              });
              throw error;
            });
          // Rows in the API's form, as a list page reads them (src/routes/crm/shared/list-query.ts).
          const { data, pagination } = q.page.page(rows as Record<string, unknown>[]);
          const lines = data.map((row) => {
            const shown = show(row);
            return csvLine(columns.map((k) => shown[k]));
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
      'Content-Disposition': `attachment; filename="${resource}-${date}.csv"`,
      'Cache-Control': 'no-store',
    });
  }) as never);
}
