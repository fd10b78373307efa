import { judge, type Judged, type OfficialFrom } from './bars.js';
import type { Figure, Series, SizeName } from './figures.js';
import type { MachineInfo } from './machine.js';
import { formatBytes, formatMs } from './measure.js';

export interface SizeData {
  rows: Record<string, number>;
  total_rows: number;
  /** Heap + TOAST of the generated tables (pg_table_size), and with indexes. */
  table_bytes: number;
  total_bytes: number;
  generate_ms: number;
}

/**
 * The JSON document `--out` writes; the markdown table is made from the same value.
 * Format 2: a bar's `set_on_l` (boolean) became `official_from` ('M' | 'L' | null).
 */
export interface BenchReport {
  format_version: 2;
  started_at: string;
  finished_at: string;
  command: string;
  /** Commit of the code measured (see revision.ts). */
  source: string;
  runs: number;
  machine: MachineInfo;
  sizes: Partial<Record<SizeName, SizeData>>;
  figures: Array<
    Figure & {
      /** `official_from`: the smallest size whose verdict is the issue's; null: any size. */
      bar: { limit: number; text: string; official_from: OfficialFrom } | null;
      verdict: Judged['verdict'];
      /** The figure's size is at or above the bar's `official_from` (always, for a size-independent bar). */
      official: boolean;
    }
  >;
}

export function buildReport(
  parts: Omit<BenchReport, 'format_version' | 'figures'> & { figures: readonly Figure[] },
): BenchReport {
  const figures = parts.figures.map((figure) => {
    const judged = judge(figure);
    const bar = judged.bar
      ? { limit: judged.bar.limit, text: judged.bar.text, official_from: judged.bar.officialFrom }
      : null;
    return { ...figure, bar, verdict: judged.verdict, official: judged.official };
  });
  return { format_version: 2, ...parts, figures };
}

export function markdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Measured ${report.finished_at.slice(0, 10)} on ${m.cores} cores (${m.cpu_model}), ${(m.memory_bytes / 2 ** 30).toFixed(1)} GiB RAM, ` +
      `Node ${m.node}, PostgreSQL ${m.postgres_server} with ${m.pg_dump.replace(/^pg_dump /, 'pg_dump ')}. ` +
      `Code: ${report.source}. Each figure is the median of ${report.runs} runs (start-up: ≥ 20), contenders interleaved A B A B.`,
    '',
    ...Object.entries(report.sizes).map(
      ([size, d]) =>
        `- ${size}: ${d.total_rows.toLocaleString('en-US')} rows (${Object.entries(d.rows)
          .map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
          .join(
            ', ',
          )}), ${formatBytes(d.table_bytes)} of table data (${formatBytes(d.total_bytes)} with indexes)`,
    ),
    ...(Object.keys(report.sizes).length > 0 ? [''] : []),
    '| # | Figure | Size | foodfleet-seed | Yardstick | Ratio / value | Bar | Verdict |',
    '|---|---|---|---|---|---|---|---|',
    ...report.figures.map(row),
    '',
    `Reproduce: \`${report.command}\``,
  ];
  if (report.figures.some((f) => f.bar?.official_from && !f.official)) {
    lines.push(
      '',
      'Verdicts in parentheses are indicative only: the backup ÷ pg_dump and restore ÷ pg_restore bars are set ' +
        'from size M (≈ 100 k rows) up, so at M, M3 and L; the memory bars (peak RSS, L ÷ S) are set on L.',
    );
  }
  const notes = report.figures.filter((f) => f.status === 'ok' && f.note);
  if (notes.length > 0)
    lines.push('', ...notes.map((f) => `- ${f.comparison} (${f.size ?? 'any size'}) ${f.title}: ${f.note}`));
  return lines.join('\n');
}

function row(figure: BenchReport['figures'][number]): string {
  const value =
    figure.value === null
      ? '—'
      : figure.unit === 'ratio'
        ? `${figure.value.toFixed(2)}×`
        : figure.unit === 'ms'
          ? formatMs(figure.value)
          : `${figure.value.toFixed(1)} MB`;
  let verdict: string;
  if (figure.status !== 'ok')
    verdict = `${figure.status === 'unavailable' ? 'not measured' : 'FAILED'}: ${figure.note ?? ''}`;
  else if (figure.verdict === 'no bar') verdict = '—';
  else if (figure.official) verdict = figure.verdict === 'FAIL' ? '**FAIL**' : figure.verdict;
  else verdict = `(${figure.verdict})`;
  const cells = [
    figure.comparison,
    figure.title,
    figure.size ?? '—',
    cell(figure.subject),
    cell(figure.yardstick),
    value,
    figure.bar?.text ?? '—',
    verdict,
  ];
  return `| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`;
}

function cell(s: Series | undefined): string {
  if (!s) return '—';
  const v =
    s.unit === 'ms'
      ? formatMs(s.median)
      : s.unit === 'bytes'
        ? formatBytes(s.median)
        : `${s.median.toFixed(1)} MB`;
  return `${v} (${s.label})`;
}
