import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatProgress,
  progressFigures,
  timeLeftMs,
  type ProgressFigures,
} from '../src/cli/progress-format.js';
import { backupEventsTo, restoreEventsTo, type OperationEvent } from '../src/operations/events.js';

/** The progress line of backup and restore on a terminal, and the totals the events carry for it. */
const figures = (overrides: Partial<ProgressFigures>): ProgressFigures => ({
  rows: 12_345,
  tableRows: 50_000,
  doneRows: 12_345,
  totalRows: 50_000,
  estimated: true,
  bytes: 3_250_000,
  bytesVerb: 'written',
  elapsedMs: 10_000,
  ...overrides,
});

describe('formatProgress', () => {
  it('rows / ≈estimate (pct) · bytes · time left', () => {
    expect(formatProgress(figures({}))).toBe('12,345 / ≈50,000 rows (24%) · 3.1 MiB written · 31 s left');
  });

  it('an exact total (restore: the manifest) has no ≈', () => {
    expect(formatProgress(figures({ estimated: false, bytesVerb: 'read' }))).toBe(
      '12,345 / 50,000 rows (24%) · 3.1 MiB read · 31 s left',
    );
  });

  it('rounds the percentage down: 100% only when the table is done', () => {
    expect(formatProgress(figures({ rows: 49_999, elapsedMs: 500 }))).toMatch(/\(99%\)/);
    expect(formatProgress(figures({ rows: 50_000, elapsedMs: 500 }))).toMatch(/\(100%\)/);
  });

  it('shows the count alone when the estimate is unknown, 0 or already passed', () => {
    for (const tableRows of [undefined, 0, 10_000])
      expect(formatProgress(figures({ tableRows, totalRows: undefined }))).toBe(
        '12,345 rows · 3.1 MiB written',
      );
  });
});

describe('timeLeftMs', () => {
  it('is the rest at the rate so far, over every table', () => {
    expect(timeLeftMs(25_000, 100_000, 5_000)).toBe(15_000);
  });

  it('is unknown in the first second, before any row, without a total, or past it', () => {
    expect(timeLeftMs(25_000, 100_000, 999)).toBeNull();
    expect(timeLeftMs(0, 100_000, 5_000)).toBeNull();
    expect(timeLeftMs(25_000, undefined, 5_000)).toBeNull();
    expect(timeLeftMs(100_000, 100_000, 5_000)).toBeNull();
    expect(timeLeftMs(120_000, 100_000, 5_000)).toBeNull();
  });
});

describe('formatDuration', () => {
  it('says seconds, minutes and hours, rounded up', () => {
    expect(formatDuration(1)).toBe('1 s');
    expect(formatDuration(44_100)).toBe('45 s');
    expect(formatDuration(60_000)).toBe('1 min');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(2 * 3_600_000 + 10 * 60_000)).toBe('2 h 10 min');
    expect(formatDuration(3_600_000)).toBe('1 h');
  });
});

describe('progressFigures', () => {
  it('carries finished tables into doneRows and times from the first report', () => {
    let now = 1_000;
    const next = progressFigures({ estimated: true, bytesVerb: 'written' }, () => now);
    next({ table: 'a', rows: 10, bytes: 1, tableRows: 30, totalRows: 100 });
    now = 2_000;
    next({ table: 'a', rows: 30, bytes: 2, tableRows: 30, totalRows: 100 });
    now = 3_000;
    const figures = next({ table: 'b', rows: 20, bytes: 3, tableRows: 70, totalRows: 100 });
    expect(figures).toMatchObject({
      rows: 20,
      tableRows: 70,
      doneRows: 50,
      totalRows: 100,
      elapsedMs: 2_000,
    });
    expect(formatProgress(figures)).toBe('20 / ≈70 rows (28%) · 3 B written · 2 s left');
  });
});

describe('progress events carry the totals', () => {
  it('backup_progress: the catalog estimate of the table and of the whole backup', () => {
    const events: OperationEvent[] = [];
    backupEventsTo((event) => events.push(event), 7).progress?.({
      table: 'orders',
      rows: 100,
      bytes: 2_048,
      estimatedRows: 400_000,
      totalRows: 400_123,
    });
    expect(events).toEqual([
      {
        event: 'backup_progress',
        execution_id: 7,
        table: 'orders',
        rows: 100,
        bytes: 2_048,
        estimated_rows: 400_000,
        total_rows: 400_123,
      },
    ]);
  });

  it('restore_progress: the table’s and all tables’ rows from the manifest', () => {
    const events: OperationEvent[] = [];
    restoreEventsTo((event) => events.push(event)).progress({
      executionId: 8,
      table: 'orders',
      rows: 100,
      bytes: 2_048,
      expectedRows: 400_000,
      totalRows: 400_123,
    });
    expect(events).toEqual([
      {
        event: 'restore_progress',
        execution_id: 8,
        table: 'orders',
        rows: 100,
        bytes: 2_048,
        expected_rows: 400_000,
        total_rows: 400_123,
      },
    ]);
  });
});
