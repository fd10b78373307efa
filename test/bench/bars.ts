import type { Figure } from './figures.js';

/** A bar from issue 5: the figure `id` must be ≤ `limit`. */
interface Bar {
  id: string;
  limit: number;
  text: string;
  /** Size-dependent bars are set on L; at S and M the verdict is only indicative. */
  setOnL: boolean;
}

const BARS: readonly Bar[] = [
  { id: 'backup_vs_pg_dump', limit: 1.0, text: '≤ 1.0×', setOnL: true },
  { id: 'restore_vs_pg_restore', limit: 1.0, text: '≤ 1.0×', setOnL: true },
  { id: 'backup_peak_rss', limit: 150, text: '≤ 150 MB', setOnL: true },
  { id: 'restore_peak_rss', limit: 150, text: '≤ 150 MB', setOnL: true },
  { id: 'backup_rss_l_over_s', limit: 1.3, text: '≤ 1.3×', setOnL: true },
  { id: 'restore_rss_l_over_s', limit: 1.3, text: '≤ 1.3×', setOnL: true },
  { id: 'upsert_vs_copy', limit: 2.0, text: '≤ 2×', setOnL: false },
  { id: 'rerun_vs_first', limit: 1.0, text: '≤ 1×', setOnL: false },
  { id: 'help_vs_node', limit: 2.5, text: '≤ 2.5×', setOnL: false },
  // Issue 13: fixed costs and the embedded default.
  { id: 'restore_empty_vs_node', limit: 3.5, text: '≤ 3.5×', setOnL: false },
  { id: 'backup_empty_vs_node', limit: 3.5, text: '≤ 3.5×', setOnL: false },
  { id: 'rerun_pg_vs_node', limit: 6.5, text: '≤ 6.5×', setOnL: false },
  { id: 'embedded_first_wall', limit: 2000, text: '≤ 2.0 s', setOnL: false },
  { id: 'embedded_first_rss', limit: 500, text: '≤ 500 MB', setOnL: false },
  { id: 'embedded_later_wall', limit: 800, text: '≤ 0.8 s', setOnL: false },
  { id: 'embedded_later_rss', limit: 350, text: '≤ 350 MB', setOnL: false },
];

type Verdict = 'pass' | 'FAIL' | 'not measured' | 'no bar';

export interface Judged {
  bar: Bar | null;
  verdict: Verdict;
  /** True when this verdict is the (size L, or a size-independent figure). */
  official: boolean;
}

export function judge(figure: Figure): Judged {
  const bar = BARS.find((b) => b.id === figure.id) ?? null;
  if (!bar) return { bar, verdict: 'no bar', official: false };
  const official = !bar.setOnL || figure.size === 'L' || figure.size === 'L/S';
  if (figure.status !== 'ok' || figure.value === null || !Number.isFinite(figure.value))
    return { bar, verdict: 'not measured', official };
  return { bar, verdict: figure.value <= bar.limit ? 'pass' : 'FAIL', official };
}
