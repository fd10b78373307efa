/** The sizes of the generated database, smallest first (issue 5; M3 from issue 13). */
export type SizeName = 'S' | 'M' | 'M3' | 'L';
/** Every size in size order: the order `--size` runs them in and the report lists them in. */
export const SIZE_NAMES: readonly SizeName[] = ['S', 'M', 'M3', 'L'];

/** ok: measured; unavailable: the command under test does not exist yet; failed: it ran and failed. */
type FigureStatus = 'ok' | 'unavailable' | 'failed';

/** One measured quantity: every sample and their median. */
export interface Series {
  label: string;
  unit: 'ms' | 'bytes' | 'MB';
  samples: number[];
  median: number;
}

/**
 * One row of the report. `value` is `subject.median / yardstick.median` (unit `ratio`) or an
 * absolute figure (unit `MB` or `ms`); null when it could not be measured.
 */
export interface Figure {
  comparison: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
  /** Stable id, the key bars refer to, e.g. `backup_vs_pg_dump`. */
  id: string;
  title: string;
  /** The data size it was measured on; null for size-independent figures (4, 5). */
  size: SizeName | 'L/S' | null;
  status: FigureStatus;
  subject?: Series;
  yardstick?: Series;
  value: number | null;
  unit: 'ratio' | 'MB' | 'ms';
  /** Why it is unavailable or failed, or how it was measured. */
  note?: string;
}

function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function series(label: string, unit: Series['unit'], samples: number[]): Series {
  return { label, unit, samples, median: median(samples) };
}

/** A ratio figure from two series (subject ÷ yardstick). */
export function ratioFigure(
  base: Omit<Figure, 'status' | 'value' | 'unit' | 'subject' | 'yardstick'>,
  subject: Series,
  yardstick: Series,
): Figure {
  return {
    ...base,
    status: 'ok',
    subject,
    yardstick,
    value: subject.median / yardstick.median,
    unit: 'ratio',
  };
}

/** An absolute figure: the subject's median, in its own unit. */
export function absoluteFigure(
  base: Omit<Figure, 'status' | 'value' | 'unit' | 'subject' | 'yardstick'>,
  subject: Series,
): Figure {
  return { ...base, status: 'ok', subject, value: subject.median, unit: subject.unit === 'MB' ? 'MB' : 'ms' };
}

/** A row saying the figure could not be measured, and why. */
export function missingFigure(
  base: Omit<Figure, 'status' | 'value' | 'unit'>,
  status: 'unavailable' | 'failed',
  note: string,
  unit: Figure['unit'] = 'ratio',
): Figure {
  return { ...base, status, value: null, unit, note };
}
