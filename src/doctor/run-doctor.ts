import type { Config } from '../config/schema.js';
import { CheckRunner, type CheckResult } from './check.js';
import { checkDatabase } from './database-checks.js';
import { checkSecurity } from './security-checks.js';
import { checkStore } from './store-checks.js';

export interface DoctorInput {
  config: Config;
  /** NODE_ENV=production. */
  production: boolean;
  /** Set when validation refused the configured token secret (doctor loaded the rest without it). */
  tokenSecretProblem?: string | undefined;
  /** Time each check may take before it is reported ✗ and abandoned. */
  timeoutMs: number;
}

/** `{checks, ok}` — the document `doctor --json` prints; `ok` is false when any check failed. */
export interface DoctorReport {
  checks: CheckResult[];
  ok: boolean;
}

/**
 * Checks the database, the backup store and the security settings, changing nothing but a probe
 * object it deletes again: no migration, no execution row, no embedded data folder created.
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const runner = new CheckRunner(input.timeoutMs);
  const database = await checkDatabase(runner, input.config, input.timeoutMs);
  try {
    await checkStore(runner, input.config);
    await checkSecurity(runner, { ...input, database });
  } finally {
    await database?.close();
  }
  return { checks: runner.results, ok: runner.results.every((check) => check.status !== 'fail') };
}
