import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: fault injection that takes minutes, not seconds
 * (a throwaway Postgres cluster stopped and restarted under a running server,
 * SIGKILL during a bulk import). Not part of `npm test`. Needs root (the
 * cluster runs as the postgres user) and the server Postgres for the kill test.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
