/** What a run reports as it goes; the CLI renders it (spinner, plain lines, JSON events). */
export interface RunEvents {
  seederStarted(event: { executionId: number; seeder: string }): void;
  seederCompleted(event: {
    executionId: number;
    seeder: string;
    created: number;
    updated: number;
    deleted: number;
    durationMs: number;
  }): void;
  /** `stack`: the error's traceback, for logs (`--verbose` shows it on a terminal). */
  seederFailed(event: {
    executionId: number;
    seeder: string;
    error: string;
    stack?: string | undefined;
  }): void;
  warning(message: string): void;
}
