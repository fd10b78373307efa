import type { LoadedConfig } from '../../config/load.js';
import { ConfigError, ReportedFailure, UsageError } from '../../errors.js';
import type { CheckStatus } from '../../doctor/check.js';
import { runDoctor } from '../../doctor/run-doctor.js';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';

const SYMBOL: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

/** `doctor [--json] [--timeout S]`: one line per check; exit 1 when any check is ✗. */
export async function doctorCommand(ctx: CommandContext, flags: { timeout: number }): Promise<void> {
  if (!(flags.timeout > 0)) throw new UsageError('--timeout must be a number of seconds > 0.');
  const { loaded, tokenSecretProblem } = loadDoctorConfig(ctx);
  const report = await runDoctor({
    config: loaded.config,
    production: loaded.production,
    tokenSecretProblem,
    timeoutMs: flags.timeout * 1000,
  });
  ctx.out.result(report, () => {
    const lines = report.checks.map((c) => `${SYMBOL[c.status]} ${c.name}: ${c.detail}`);
    const failed = report.checks.filter((c) => c.status === 'fail').length;
    const warned = report.checks.filter((c) => c.status === 'warn').length;
    lines.push(
      '',
      `${failed} failed, ${warned} warning${warned === 1 ? '' : 's'}, ${report.checks.length} checks.`,
    );
    return lines.join('\n');
  });
  if (!report.ok) throw new ReportedFailure('doctor found problems (✗): see its report.');
}

/**
 * A token secret shorter than 32 characters makes the whole configuration invalid; doctor reports
 * it as one of its checks and checks everything else with a placeholder it never uses.
 */
function loadDoctorConfig(ctx: CommandContext): { loaded: LoadedConfig; tokenSecretProblem?: string } {
  try {
    return { loaded: loadCommandConfig(ctx) };
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems : [];
    if (problems.length === 0 || !problems.every((p) => p.startsWith('server.tokenSecret:'))) throw error;
    const placeholder = 'doctor-placeholder-'.padEnd(32, '-');
    return {
      loaded: loadCommandConfig(ctx, { server: { tokenSecret: placeholder } }),
      tokenSecretProblem: problems[0],
    };
  }
}
