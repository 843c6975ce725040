import { ApiError } from '../../../lib/errors.ts';

/**
 * CSV (RFC 4180) without a dependency: plain string work, so it runs the same
 * on Node, Deno and Workers.
 */

/** Cells a spreadsheet would evaluate as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell: formula-like text gets a leading `'` so spreadsheets show it as
 * text; cells holding a quote, comma or line break are quoted, quotes doubled.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated. */
export const csvLine = (values: unknown[]) => `${values.map(csvCell).join(',')}\r\n`;

const malformed = (record: number, problem: string) =>
  new ApiError('validation_error', `Malformed CSV at record ${record}: ${problem}`, [{ field: 'body', message: problem }]);

const isBreak = (ch: string | undefined) => ch === '\n' || ch === '\r';

/**
 * Parses RFC 4180 text into records of cells. Quoted cells may hold commas,
 * doubled quotes and line breaks; records end with CRLF, LF or CR; a leading
 * BOM and empty lines are skipped. A stray quote, or text after a closing
 * quote, is a 400 rather than a guess.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let record: string[] = [];
  let quoted = false;
  const endRecord = () => {
    if (quoted || record.length > 1 || record[0] !== '') records.push(record);
    record = [];
    quoted = false;
  };
  while (i < n) {
    let cell = '';
    if (text[i] === '"') {
      quoted = true;
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) throw malformed(records.length + 1, 'unterminated quoted cell');
        cell += text.slice(from, quote);
        if (text[quote + 1] !== '"') {
          i = quote + 1;
          break;
        }
        cell += '"';
        from = quote + 2;
      }
      if (i < n && text[i] !== ',' && !isBreak(text[i])) throw malformed(records.length + 1, 'text after a closing quote');
    } else {
      let end = i;
      while (end < n && text[end] !== ',' && !isBreak(text[end])) end++;
      cell = text.slice(i, end);
      if (cell.includes('"')) throw malformed(records.length + 1, 'a quote inside an unquoted cell');
      i = end;
    }
    record.push(cell);
    if (text[i] === ',') {
      i++;
      if (i === n) record.push('');
    } else if (i < n) {
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      endRecord();
    }
  }
  if (record.length) endRecord();
  return records;
}
