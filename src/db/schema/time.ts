import { timestamp } from 'drizzle-orm/pg-core';

/**
 * Every timestamp column has millisecond precision: the app reads them as JS
 * Dates (milliseconds), so a value read back and sent to the database again
 * (keyset cursors) must compare equal to the stored one. With Postgres's
 * default microseconds a cursor lost the sub-millisecond part and the next
 * page skipped rows.
 */
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
