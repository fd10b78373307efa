import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Repository root, so the config behaves the same whatever directory vitest is started from. */
const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  test: {
    root,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // Tests spawn CLI child processes and real servers: separate processes, two at a time.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
