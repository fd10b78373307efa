import { SeedError } from '../errors.js';

/** `ok` prints ✓, `warn` prints ! and `fail` prints ✗ (the only one that makes doctor exit 1). */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of doctor's report. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}

/** What a check found, plus a value later checks build on (e.g. the opened database). */
export interface Finding<T = never> {
  status: CheckStatus;
  detail: string;
  value?: T;
}

export const ok = (detail: string): Finding => ({ status: 'ok', detail });
export const warn = (detail: string): Finding => ({ status: 'warn', detail });
export const fail = (detail: string): Finding => ({ status: 'fail', detail });

/** A check's body: it should stop its IO when `signal` aborts (its time is up). */
export type CheckBody<T> = (signal: AbortSignal) => Promise<Finding<T>>;

/**
 * Runs checks one after another, each within `timeoutMs`, and keeps their results in order. A
 * check that throws becomes a ✗ with its message; one that does not answer in time becomes a ✗
 * and is left behind (its signal aborted), so one hanging check cannot hang doctor.
 */
export class CheckRunner {
  readonly results: CheckResult[] = [];
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Runs `body` as the check `name`; resolves with the value it found, if any (also when it failed). */
  async check<T = never>(name: string, body: CheckBody<T>): Promise<T | undefined> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Finding<T>>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`${name} timed out`));
        resolve(
          fail(`no answer within ${this.#timeoutMs / 1000} s (doctor --timeout); the check was abandoned.`),
        );
      }, this.#timeoutMs);
    });
    try {
      const finding = await Promise.race([body(controller.signal).catch(thrown), timedOut]);
      this.results.push({ name, status: finding.status, detail: finding.detail });
      return finding.value;
    } finally {
      clearTimeout(timer);
    }
  }
}

function thrown(error: unknown): Finding {
  if (error instanceof SeedError) return fail(error.message);
  return fail(`unexpected error: ${(error as Error)?.message ?? String(error)}`);
}
