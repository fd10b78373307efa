import { notAvailable } from './cli.js';
import type { SizeContext } from './context.js';
import { missingFigure, series, type Figure } from './figures.js';
import { kbToMb } from './rss.js';
import { ensureBackupKey, foodfleetBackup, foodfleetRestore } from './tool-runs.js';

const KINDS = ['backup', 'restore'] as const;

/**
 * Comparison 3: peak RSS of the foodfleet-seed process (GNU time's maximum resident set size),
 * taken from comparison 1's and 2's timed runs, or measured here when those were not run.
 */
export async function compareRss(ctx: SizeContext): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const kind of KINDS) {
    const base = {
      comparison: 3 as const,
      size: ctx.size,
      id: `${kind}_peak_rss`,
      title: `peak RSS of \`foodfleet-seed ${kind}\``,
    };
    const missing = (kind === 'backup' ? ['backup'] : ['backup', 'restore']).filter(
      (c) => !ctx.commands.has(c),
    );
    if (missing.length > 0) {
      figures.push(missingFigure(base, 'unavailable', missing.map(notAvailable).join('; '), 'MB'));
      continue;
    }
    if (ctx.rss[kind].length === 0) await measureOwn(ctx, kind);
    const mb = series(`foodfleet-seed ${kind}`, 'MB', ctx.rss[kind].map(kbToMb));
    figures.push({
      ...base,
      status: 'ok',
      subject: mb,
      value: mb.median,
      unit: 'MB',
      note: `max of ${mb.samples.length} runs: ${Math.max(...mb.samples).toFixed(1)} MB`,
    });
  }
  return figures;
}

async function measureOwn(ctx: SizeContext, kind: (typeof KINDS)[number]): Promise<void> {
  ctx.log(`[3 ${ctx.size}] peak RSS of ${kind} (${ctx.runs} runs)`);
  const key = kind === 'restore' ? await ensureBackupKey(ctx) : '';
  for (let i = 0; i < ctx.runs; i += 1) {
    const run = kind === 'backup' ? await foodfleetBackup(ctx) : await foodfleetRestore(ctx, key);
    if (run.rssKb !== null) ctx.rss[kind].push(run.rssKb);
  }
}

/** "Memory flat in data size": L's peak over S's, when both sizes ran in this invocation. */
export function rssGrowth(figures: readonly Figure[]): Figure[] {
  return KINDS.flatMap((kind): Figure[] => {
    const id = `${kind}_peak_rss`;
    const at = (size: string) => figures.find((f) => f.id === id && f.size === size);
    const small = at('S');
    const large = at('L');
    if (!large) return [];
    const base = {
      comparison: 3 as const,
      size: 'L/S' as const,
      id: `${kind}_rss_l_over_s`,
      title: `peak RSS of \`foodfleet-seed ${kind}\`, L ÷ S`,
    };
    if (!small)
      return [
        missingFigure(base, 'unavailable', 'needs S and L in the same invocation (--size S,L or S,M,M3,L)'),
      ];
    if (small.value === null || large.value === null || !small.subject || !large.subject) {
      return [
        missingFigure(
          base,
          large.status === 'unavailable' ? 'unavailable' : 'failed',
          large.note ?? small.note ?? 'not measured',
        ),
      ];
    }
    return [
      {
        ...base,
        status: 'ok',
        subject: large.subject,
        yardstick: small.subject,
        value: large.value / small.value,
        unit: 'ratio',
      },
    ];
  });
}
