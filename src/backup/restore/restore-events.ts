/** What a restore reports as it goes; the CLI renders it (spinner, plain lines, JSON events), the API logs it. */
export interface RestoreEvents {
  started(event: { executionId: number; command: string; key: string }): void;
  /**
   * Rows loaded so far into `table`, and compressed bytes read so far from the backup; with the
   * rows the manifest says `table` and the whole backup hold.
   */
  progress(event: {
    executionId: number;
    table: string;
    rows: number;
    bytes: number;
    expectedRows?: number;
    totalRows?: number;
  }): void;
  completed(event: {
    executionId: number;
    command: string;
    key: string;
    tables: Record<string, number>;
    safetyBackupKey: string | null;
    durationMs: number;
  }): void;
  /** `stack`: the full traceback, for logs (`--verbose` shows it on a terminal). */
  failed(event: {
    executionId: number;
    command: string;
    key: string;
    error: string;
    stack?: string | undefined;
  }): void;
  warning(message: string): void;
}
