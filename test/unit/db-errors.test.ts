import { describe, expect, it } from 'vitest';
import { classifyDbError } from '../../src/db/errors.ts';

// Driver errors arrive wrapped (drizzle's DrizzleQueryError keeps the pg error as `cause`).
const wrapped = (cause: object) => Object.assign(new Error('Failed query'), { cause });

describe('classifyDbError', () => {
  it.each([
    [{ code: '23505' }, 'unique_violation'],
    [{ code: '23503' }, 'foreign_key_violation'],
    [{ code: '57014' }, 'timeout'],
    [{ code: 'ECONNREFUSED' }, 'unavailable'],
    [{ code: '08006' }, 'unavailable'],
    [{ message: 'Connection terminated unexpectedly' }, 'unavailable'],
    // node-postgres, on a client whose connection dropped while it was checked out.
    [{ message: 'Client has encountered a connection error and is not queryable' }, 'unavailable'],
    [{ code: '22P02' }, null],
  ])('%j → %s, also when wrapped', (err, expected) => {
    expect(classifyDbError(Object.assign(new Error('x'), err))).toBe(expected);
    expect(classifyDbError(wrapped(err))).toBe(expected);
  });
});
