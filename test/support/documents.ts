/** The JSON documents the CLI prints under `--json`, as the tests read them. */

interface SeederResultDocument {
  status: string;
  created: number;
  updated: number;
  deleted: number;
  duration_ms: number;
  error?: string;
}

interface CountsDocument {
  created: number;
  updated: number;
  deleted: number;
}

export interface RunDocument {
  success: true;
  execution_id: number;
  dry_run: boolean;
  results: { seeders: Record<string, SeederResultDocument>; total: CountsDocument };
  warnings: string[];
}

export interface FailureDocument {
  success: false;
  error: { code: string; message: string };
  execution_id?: number;
}

export interface ExecutionDocument {
  id: number;
  command: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  triggered_by: string;
  source: string;
  options: Record<string, unknown>;
  results: { seeders: Record<string, SeederResultDocument>; total: CountsDocument } | null;
  error: { message: string; stack: string | null } | null;
}

export interface HistoryDocument {
  items: ExecutionDocument[];
  total: number;
  skip: number;
  limit: number;
}

/** `{ Name: [created, updated, deleted] }` of a run, for compact assertions. */
export function seederCounts(run: RunDocument): Record<string, [number, number, number]> {
  return Object.fromEntries(
    Object.entries(run.results.seeders).map(([name, r]) => [name, [r.created, r.updated, r.deleted]]),
  );
}

/** Terminal escape sequences (colours, cursor moves) that must not appear without a TTY. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC and CSI are what this looks for.
export const ANSI_ESCAPE = /\u001b|\u009b/;

/** What a fixture seeder reports of one upsertMany call (as a JSON warning); `table` when it upserts several. */
export interface UpsertReport {
  table?: string;
  created: number;
  updated: number;
  unchanged: number;
}
