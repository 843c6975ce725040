import type { z } from '@hono/zod-openapi';
import { ApiError } from '../../../lib/errors.ts';
import { parseCsv } from './csv.ts';
import type { ImportError } from './import.ts';

type Def = { type: string; innerType?: { _zod: { def: Def } } };

/** The JSON value a cell stands for, from the type of the create field it fills; anything unparseable stays text for zod to refuse. */
function cellValue(schema: z.ZodType, raw: string): unknown {
  let def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  while ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType) def = def.innerType._zod.def;
  if (def.type === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (def.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (def.type === 'record' || def.type === 'object') {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

const badFile = (message: string, field = 'body') => new ApiError('validation_error', message, [{ field, message }]);

/**
 * CSV import rows as the objects a JSON import would send. The header names
 * create fields; read-only columns of an export (`id`, timestamps) are
 * ignored so an export can be edited and imported back; any other column is
 * a 400. Empty cells are left unset. A record with the wrong number of cells
 * is reported as a row error and comes back `undefined`.
 */
export function csvRows(
  text: string,
  schemas: { create: z.ZodObject; record: z.ZodObject },
  maxRows: number,
  errors: ImportError[],
): (Record<string, unknown> | undefined)[] {
  const [header, ...records] = parseCsv(text);
  if (!header) return [];
  if (records.length > maxRows) throw badFile(`An import takes at most ${maxRows} rows`);
  const writable = schemas.create.shape as Record<string, z.ZodType>;
  const columns = header.map((h) => h.trim());
  columns.forEach((col, i) => {
    if (!Object.hasOwn(writable, col) && !Object.hasOwn(schemas.record.shape, col)) throw badFile(`Unknown CSV column "${col}"`, col || `column ${i + 1}`);
    if (columns.indexOf(col) !== i) throw badFile(`CSV column "${col}" appears twice`, col);
  });
  return records.map((cells, i) => {
    if (cells.length !== columns.length) {
      errors.push({ row: i + 1, field: 'row', message: `has ${cells.length} cells; the header has ${columns.length}` });
      return undefined;
    }
    const row: Record<string, unknown> = {};
    columns.forEach((col, j) => {
      const cell = cells[j] as string;
      const field = writable[col];
      if (field && Object.hasOwn(writable, col) && cell !== '') row[col] = cellValue(field, cell);
    });
    return row;
  });
}
