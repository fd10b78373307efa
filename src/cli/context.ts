import { hostname, userInfo } from 'node:os';
import type { Output } from './output.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { collectSecrets } from '../config/secrets.js';
import type { PlainObject } from '../config/merge.js';
import { deepMerge } from '../config/merge.js';
import { attachCloudWatch } from './cloudwatch/attach-cloudwatch.js';

/** Options every command accepts (commander's global options). */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  logFormat?: 'text' | 'json';
  databaseUrl?: string;
  schema?: string;
  lockTimeout?: number;
  seedersDir?: string;
  /** Text mode prints errors' full tracebacks too. */
  verbose?: boolean;
}

export interface CommandContext {
  globals: GlobalOptions;
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: Output;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  /** Registers work to do when a signal arrives (e.g. cancel the running statement). */
  onCancel(handler: () => Promise<void>): void;
  /** True when stdin is a terminal we can ask for confirmation. */
  stdinIsTTY: boolean;
}

/**
 * Loads config from file + env + the global flags (+ a command's own overlay), arms masking and
 * attaches the CloudWatch sink when configured. Called once per command.
 */
export function loadCommandConfig(ctx: CommandContext, overlay: PlainObject = {}): LoadedConfig {
  const { globals } = ctx;
  const flags: PlainObject = deepMerge(
    {
      database: { url: globals.databaseUrl, schema: globals.schema },
      lockTimeout: globals.lockTimeout,
      logFormat: globals.logFormat,
      seeders: globals.seedersDir ? { dir: globals.seedersDir } : undefined,
    },
    overlay,
  );
  const loaded = loadConfig({ configPath: globals.config, cwd: ctx.cwd, env: ctx.env, flags });
  ctx.out.setSecrets(collectSecrets(loaded.config, ctx.env));
  ctx.out.setLogFormat(loaded.config.logFormat);
  if (loaded.config.logging.cloudwatch) attachCloudWatch(ctx.out, loaded.config.logging.cloudwatch);
  return loaded;
}

export function cliTrigger(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return `cli:${user}@${hostname()}`;
}
