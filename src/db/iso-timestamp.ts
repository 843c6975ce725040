/** Postgres's text form of a timestamptz in UTC (DateStyle ISO), e.g. `2026-11-28 10:11:12.345+00`. */
const UTC_TEXT = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * A timestamptz as JSON shows it (`2026-11-28T10:11:12.345Z`, what Date's
 * toISOString writes). Postgres's UTC text is rearranged without a Date:
 * parsing and formatting one was the largest single cost of a list page's rows.
 * Other offsets, and drivers that already hand back a Date, go through Date.
 */
export function isoTimestamp(value: string | Date): string {
  if (typeof value !== 'string') return value.toISOString();
  const utc = UTC_TEXT.exec(value);
  if (!utc) return new Date(value).toISOString();
  return `${utc[1]}T${utc[2]}.${`${utc[3] ?? ''}000`.slice(0, 3)}Z`;
}
