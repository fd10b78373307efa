import { SIZE_NAMES, type Figure, type SizeName } from './figures.js';

/**
 * From which size a bar's verdict is the issue's: `M` (≥ 100 k rows: M, M3 and L), `L` (L only,
 * and the L ÷ S ratios), or null for a size-independent bar (every verdict official).
 */
export type OfficialFrom = 'M' | 'L' | null;

/** A bar from issues 5 and 13: the figure `id` must be ≤ `limit`. */
interface Bar {
  id: string;
  limit: number;
  text: string;
  /** Below this size the verdict is only indicative (fixed costs dominate small sizes). */
  officialFrom: OfficialFrom;
}

const BARS: readonly Bar[] = [
  // Issue 13: backup and restore at least as fast as pg_dump / pg_restore from 100 k rows.
  { id: 'backup_vs_pg_dump', limit: 1.0, text: '≤ 1.0×', officialFrom: 'M' },
  { id: 'restore_vs_pg_restore', limit: 1.0, text: '≤ 1.0×', officialFrom: 'M' },
  { id: 'backup_peak_rss', limit: 150, text: '≤ 150 MB', officialFrom: 'L' },
  { id: 'restore_peak_rss', limit: 150, text: '≤ 150 MB', officialFrom: 'L' },
  { id: 'backup_rss_l_over_s', limit: 1.3, text: '≤ 1.3×', officialFrom: 'L' },
  { id: 'restore_rss_l_over_s', limit: 1.3, text: '≤ 1.3×', officialFrom: 'L' },
  { id: 'upsert_vs_copy', limit: 2.0, text: '≤ 2×', officialFrom: null },
  { id: 'rerun_vs_first', limit: 1.0, text: '≤ 1×', officialFrom: null },
  { id: 'help_vs_node', limit: 2.5, text: '≤ 2.5×', officialFrom: null },
  // Issue 13: fixed costs and the embedded default.
  { id: 'restore_empty_vs_node', limit: 3.5, text: '≤ 3.5×', officialFrom: null },
  { id: 'backup_empty_vs_node', limit: 3.5, text: '≤ 3.5×', officialFrom: null },
  { id: 'rerun_pg_vs_node', limit: 6.5, text: '≤ 6.5×', officialFrom: null },
  { id: 'embedded_first_wall', limit: 2000, text: '≤ 2.0 s', officialFrom: null },
  { id: 'embedded_first_rss', limit: 500, text: '≤ 500 MB', officialFrom: null },
  { id: 'embedded_later_wall', limit: 800, text: '≤ 0.8 s', officialFrom: null },
  { id: 'embedded_later_rss', limit: 350, text: '≤ 350 MB', officialFrom: null },
];

type Verdict = 'pass' | 'FAIL' | 'not measured' | 'no bar';

export interface Judged {
  bar: Bar | null;
  verdict: Verdict;
  /** True when this verdict is the (the figure's size is at or above the bar's `officialFrom`). */
  official: boolean;
}

/** Whether a figure of this size is judged officially by a bar set from `from` (L ÷ S counts as L). */
function isOfficial(from: OfficialFrom, size: Figure['size']): boolean {
  if (from === null) return true;
  if (size === null) return false;
  const at: SizeName = size === 'L/S' ? 'L' : size;
  return SIZE_NAMES.indexOf(at) >= SIZE_NAMES.indexOf(from);
}

export function judge(figure: Figure): Judged {
  const bar = BARS.find((b) => b.id === figure.id) ?? null;
  if (!bar) return { bar, verdict: 'no bar', official: false };
  const official = isOfficial(bar.officialFrom, figure.size);
  if (figure.status !== 'ok' || figure.value === null || !Number.isFinite(figure.value))
    return { bar, verdict: 'not measured', official };
  return { bar, verdict: figure.value <= bar.limit ? 'pass' : 'FAIL', official };
}
