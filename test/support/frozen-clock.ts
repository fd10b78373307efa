import { fileURLToPath, pathToFileURL } from 'node:url';

const PRELOAD = fileURLToPath(new URL('./frozen-clock.mjs', import.meta.url));

/**
 * Environment for runCli/startCli that stops the CLI's wall clock at `at` (see frozen-clock.mjs):
 * every process given the same `at` takes its backup in the same second.
 */
export function frozenClockEnv(at: Date): Record<string, string> {
  return {
    NODE_OPTIONS: `--import=${pathToFileURL(PRELOAD).href}`,
    FOODFLEET_TEST_FROZEN_CLOCK: at.toISOString(),
  };
}
