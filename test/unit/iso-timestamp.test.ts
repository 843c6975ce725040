import { describe, expect, it } from 'vitest';
import { isoTimestamp } from '../../src/db/iso-timestamp.ts';

/** isoTimestamp must write exactly what `new Date(text).toISOString()` writes, for every form Postgres may send. */
describe('isoTimestamp', () => {
  const utc = [
    '2026-11-28 10:11:12+00',
    '2026-11-28 10:11:12.5+00',
    '2026-11-28 10:11:12.34+00',
    '2026-11-28 10:11:12.345+00',
    '2026-11-28 10:11:12.345678+00',
    '2026-11-28 23:59:59.999999+00',
    '0999-01-01 00:00:00+00',
  ];
  it.each(utc)('rearranges UTC text %s as Date would write it', (text) => {
    expect(isoTimestamp(text)).toBe(new Date(text).toISOString());
  });

  it.each(['2026-11-28 10:11:12.345+05:30', '2026-11-28 10:11:12-08', '2026-11-28 23:30:00+01'])('converts offset %s to UTC through Date', (text) => {
    const iso = isoTimestamp(text);
    expect(iso).toBe(new Date(text).toISOString());
    expect(iso.endsWith('Z')).toBe(true);
  });

  it('writes a Date (drivers that parse timestamps themselves) with toISOString', () => {
    const date = new Date('2026-02-03T04:05:06.789Z');
    expect(isoTimestamp(date)).toBe('2026-02-03T04:05:06.789Z');
  });

  it('rounds nothing: sub-millisecond digits are cut, as Date cuts them', () => {
    expect(isoTimestamp('2026-11-28 10:11:12.9999+00')).toBe('2026-11-28T10:11:12.999Z');
  });
});
