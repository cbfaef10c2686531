import { defineConfig } from 'vitest/config';

/**
 * Settings every project shares. Specs live next to the code (`*.spec.ts`); those that need
 * Kafka or MongoDB are `*.int.spec.ts` and talk to the real servers started by `npm run infra:up`.
 */
export const sharedTestConfig = defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores and a shared broker: one test file at a time per project keeps timings honest.
    fileParallelism: false,
    reporters: ['default'],
    // A developer's .env (README: running on real infrastructure) is for the processes they start,
    // not for tests: every test sets the settings it needs.
    env: { ENV_FILE: '/dev/null' },
  },
});
