import type { Logger } from 'drizzle-orm/logger';

/**
 * Statements that frame a transaction rather than read or write data:
 * transaction control (node-postgres sends these through drizzle, PGlite does
 * not) and the role/tenant scope every transaction starts with
 * (scopeStatement in client.ts).
 */
const FRAMING = /^\s*(begin|commit|rollback|savepoint|release)\b|^\s*select set_config\('role'/i;

export interface QueryLog {
  /** Pass to openPglite / openPostgres; drizzle calls it for every statement it sends. */
  logger: Logger;
  /**
   * Runs fn and returns the data statements sent while it ran, in order.
   * Anything else using the database meanwhile is counted too, so measure
   * one thing at a time.
   */
  capture<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[]; params: unknown[][] }>;
}

/** Counts the queries a piece of work costs, e.g. to prove a read has no N+1. Records nothing outside capture(). */
export function createQueryLog(): QueryLog {
  let recording: { statements: string[]; params: unknown[][] } | null = null;
  return {
    logger: {
      logQuery(query, params) {
        if (!recording || FRAMING.test(query)) return;
        recording.statements.push(query);
        recording.params.push(params);
      },
    },
    async capture(fn) {
      if (recording) throw new Error('QueryLog.capture does not nest');
      const log = { statements: [] as string[], params: [] as unknown[][] };
      recording = log;
      try {
        return { result: await fn(), ...log };
      } finally {
        recording = null;
      }
    },
  };
}
