import type { Selectable } from 'kysely';
import type { SeederExecutionsTable } from '../schema.js';

/** One execution as `show --json`, `history --json` items and the API print it. */
export interface ExecutionDocument {
  id: number;
  command: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  triggered_by: string;
  source: string;
  user_id: number | null;
  options: Record<string, unknown>;
  results: unknown;
  error: { message: string; stack: string | null } | null;
  backup: {
    key: string | null;
    size: number | null;
    sha256: string | null;
    status: string;
    error: string | null;
    tables: Record<string, number> | null;
  } | null;
  restored_key: string | null;
}

export function toExecutionDocument(row: Selectable<SeederExecutionsTable>): ExecutionDocument {
  return {
    id: row.id,
    command: row.command,
    status: row.status,
    started_at: iso(row.started_at) as string,
    finished_at: iso(row.finished_at),
    duration_ms: row.duration_ms,
    triggered_by: row.triggered_by,
    source: row.source,
    user_id: row.user_id,
    options: parseJson(row.options) as Record<string, unknown>,
    results: parseJson(row.results),
    error: row.error_message ? { message: row.error_message, stack: row.error_stack } : null,
    backup: row.backup_status
      ? {
          key: row.backup_key,
          size: row.backup_size === null ? null : Number(row.backup_size),
          sha256: row.backup_sha256,
          status: row.backup_status,
          error: row.backup_error,
          tables: parseJson(row.backup_tables) as Record<string, number> | null,
        }
      : null,
    restored_key: row.restored_key,
  };
}

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** pg returns jsonb parsed; be tolerant of drivers that hand back text. */
function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}
