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
  seederFailed(event: { executionId: number; seeder: string; error: string }): void;
  warning(message: string): void;
}

export const silentEvents: RunEvents = {
  seederStarted: () => undefined,
  seederCompleted: () => undefined,
  seederFailed: () => undefined,
  warning: () => undefined,
};
