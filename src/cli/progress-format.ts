import { formatBytes, formatCount } from './format.js';

/** Where a backup or restore stands, for its one-line display on a terminal. */
export interface ProgressFigures {
  /** Rows of the current table so far, and the rows it should hold (when known). */
  rows: number;
  tableRows?: number | undefined;
  /** Rows of every table so far, the current one included, and of the whole operation. */
  doneRows: number;
  totalRows?: number | undefined;
  /** The totals are catalog estimates (shown as `≈`), not exact counts. */
  estimated: boolean;
  bytes: number;
  /** What the bytes are: `written` (backup), `read` (restore). */
  bytesVerb: string;
  /** Since the first progress report. */
  elapsedMs: number;
}

/** `12,345 / ≈50,000 rows (24%) · 3.1 MiB written · 1 min 20 s left`; parts that are unknown are left out. */
export function formatProgress(figures: ProgressFigures): string {
  const parts = [rowsPart(figures), `${formatBytes(figures.bytes)} ${figures.bytesVerb}`];
  const left = timeLeftMs(figures.doneRows, figures.totalRows, figures.elapsedMs);
  if (left !== null) parts.push(`${formatDuration(left)} left`);
  return parts.join(' · ');
}

function rowsPart({ rows, tableRows, estimated }: ProgressFigures): string {
  // An estimate already passed (stale statistics) says nothing more: show the count alone.
  if (!tableRows || rows > tableRows) return `${formatCount(rows)} rows`;
  const percent = Math.floor((rows * 100) / tableRows);
  return `${formatCount(rows)} / ${estimated ? '≈' : ''}${formatCount(tableRows)} rows (${percent}%)`;
}

/**
 * The rest at the rate so far; null while there is nothing to go on (under a second, no rows
 * yet, no total, or the total already passed).
 */
export function timeLeftMs(
  doneRows: number,
  totalRows: number | undefined,
  elapsedMs: number,
): number | null {
  if (!totalRows || doneRows <= 0 || doneRows >= totalRows || elapsedMs < 1000) return null;
  return (elapsedMs * (totalRows - doneRows)) / doneRows;
}

/** `45 s`, `3 min 5 s`, `2 h 10 min`: rounded up, so the display never says 0 while work remains. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

/** One progress report as the operations send it (per-table rows, bytes so far, totals if known). */
export interface ProgressReport {
  table: string;
  rows: number;
  bytes: number;
  tableRows?: number | undefined;
  totalRows?: number | undefined;
}

/**
 * Turns successive reports into figures: rows of the tables already finished are carried into
 * `doneRows`, and time runs from the first report.
 */
export function progressFigures(
  options: { estimated: boolean; bytesVerb: string },
  now: () => number = Date.now,
): (report: ProgressReport) => ProgressFigures {
  let startedAt: number | null = null;
  let finishedRows = 0;
  let current = { table: '', rows: 0 };
  return (report) => {
    startedAt ??= now();
    if (report.table !== current.table) finishedRows += current.rows;
    current = { table: report.table, rows: report.rows };
    return {
      rows: report.rows,
      tableRows: report.tableRows,
      doneRows: finishedRows + report.rows,
      totalRows: report.totalRows,
      estimated: options.estimated,
      bytes: report.bytes,
      bytesVerb: options.bytesVerb,
      elapsedMs: now() - startedAt,
    };
  };
}
