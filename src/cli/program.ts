import { Command, InvalidArgumentError, Option, type OutputConfiguration } from 'commander';
import type { CommandContext, GlobalOptions } from './context.js';
import { packageVersion } from '../package-root.js';

// biome-ignore lint/suspicious/noExplicitAny: each handler types its own commander arguments.
type Handler = (ctx: CommandContext, ...args: any[]) => Promise<void>;

/**
 * Declares the commands. Each action imports its module only when it runs, so `--help` and
 * `--version` answer without loading kysely, pg, PGlite, zod or the AWS SDK.
 */
export function buildProgram(
  makeContext: (globals: GlobalOptions) => CommandContext,
  output: OutputConfiguration = {},
): Command {
  const program = new Command('foodfleet-seed')
    // Set before the subcommands are declared: they inherit it.
    .configureOutput(output)
    .description(
      'Bring a FoodFleet PostgreSQL database to a known baseline, safely and repeatably — and take it back to an earlier state.',
    )
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run foodfleet-seed --help for usage)')
    .option('-c, --config <path>', 'config file (default: ./seedrc.json when present)')
    .option('--json', 'print exactly one JSON document on stdout')
    .addOption(new Option('--log-format <format>', 'progress/events on stderr').choices(['text', 'json']))
    .option('--database-url <url>', 'PostgreSQL URL (default: DATABASE_URL, else the embedded database)')
    .option('--schema <name>', 'schema of the FoodFleet tables (default: public)')
    .option('--lock-timeout <seconds>', 'wait this long for another run to finish (default: 30)', seconds)
    .option('--seeders-dir <dir>', 'folder of custom seeders (default: ./seeders)')
    .option('--verbose', 'print the full traceback of errors (JSON events always carry it as `stack`)');

  const action =
    (load: () => Promise<Handler>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const handler = await load();
      await handler(makeContext(command.optsWithGlobals() as GlobalOptions), ...args.slice(0, -1));
    };

  program
    .command('run')
    .description(
      'apply pending migrations, back up, then run every seeder in dependency order in one transaction',
    )
    .option('--only <names>', 'comma-separated seeders to run (plus what they depend on)', list)
    .option('--dry-run', 'run everything, report the counts, roll back')
    .option('--no-backup', 'skip the backup taken before seeding')
    .option('--require-backup', 'abort before touching the database if the backup fails')
    .action(action(async () => (await import('./commands/run.js')).runCommand));

  program
    .command('migrate')
    .description('create the FoodFleet tables and the tracking table if missing')
    .action(action(async () => (await import('./commands/migrate.js')).migrateCommand));

  program
    .command('history')
    .description('list executions, newest first')
    .option('--skip <n>', 'skip this many', count, 0)
    .option('--limit <n>', 'show at most this many (1–500)', count, 20)
    .action(action(async () => (await import('./commands/history.js')).historyCommand));

  program
    .command('show')
    .description('show one execution with its per-seeder results and error')
    .argument('<id>', 'execution id', positiveId)
    .action(action(async () => (await import('./commands/show.js')).showCommand));

  program
    .command('backup')
    .description('take a backup now (recorded as an execution; waits for a running run to finish)')
    .action(action(async () => (await import('./commands/backup.js')).backupCommand));

  const backups = program
    .command('backups')
    .description('list stored complete backups, newest first (see also: backups verify, backups prune)')
    .option('--limit <n>', 'show at most this many', count, 20)
    .action(action(async () => (await import('./commands/backups.js')).backupsListCommand));
  backups
    .command('verify')
    .description('download a backup and check it against its manifest, without touching the database')
    .option('--key <key>', 'the backup to check (default: the latest)')
    .action(action(async () => (await import('./commands/backups.js')).backupsVerifyCommand));
  backups
    .command('prune')
    .description(
      'delete old backups: lists what it would delete; deletes only with --yes; always keeps the newest',
    )
    .option('--keep <n>', 'keep the newest N complete backups', count)
    .option('--older-than <age>', 'delete backups older than this, e.g. 30d, 12h, 2w')
    .option('--yes', 'really delete')
    .action(action(async () => (await import('./commands/backups.js')).backupsPruneCommand));

  program
    .command('restore')
    .description(
      'replace the backed-up tables with a backup (default: the latest) in one transaction, after a safety backup',
    )
    .option('--key <key>', 'the backup to restore (see: foodfleet-seed backups)')
    .option('--execution <id>', 'restore the backup that execution took', positiveId)
    .option('--no-backup', 'skip the safety backup taken first')
    .option('-y, --yes', 'confirm without asking (required when not on a terminal)')
    .action(action(async () => (await import('./commands/restore.js')).restoreCommand));

  program
    .command('reset')
    .description('back up, then empty the tables the seeders write and reseed them, in one transaction')
    .option('--cascade', 'also empty tables whose rows reference those tables (refused otherwise)')
    .option('--no-backup', 'skip the backup taken first')
    .option('-y, --yes', 'confirm without asking (required when not on a terminal)')
    .action(action(async () => (await import('./commands/reset.js')).resetCommand));

  program
    .command('rollback')
    .description(
      'restore the backup taken before execution ID (default: the latest run, reset or restore that took one)',
    )
    .argument('[id]', 'execution id', positiveId)
    .option('--no-backup', 'skip the safety backup taken first')
    .option('-y, --yes', 'confirm without asking (required when not on a terminal)')
    .action(action(async () => (await import('./commands/rollback.js')).rollbackCommand));

  program
    .command('make')
    .description('scaffold a custom seeder in the seeders folder')
    .argument('<Name>', 'class name, e.g. RestaurantsSeeder')
    .option('--force', 'overwrite an existing file')
    .action(action(async () => (await import('./commands/make.js')).makeCommand));

  program
    .command('doctor')
    .description(
      'check the database, the backup store and the security settings; changes nothing (exit 1 when a check fails)',
    )
    .option('--timeout <seconds>', 'seconds each check may take before it is reported ✗', seconds, 20)
    .action(action(async () => (await import('./commands/doctor.js')).doctorCommand));

  program
    .command('serve')
    .description(
      'serve the authenticated admin HTTP API (login, execute, reset, restore, history) until SIGTERM / Ctrl-C',
    )
    .option('--host <host>', 'address to bind (default: 127.0.0.1, server.host)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (default: 8000, server.port)', count)
    .action(action(async () => (await import('./commands/serve.js')).serveCommand));

  return program;
}

/** Wraps a lazily imported handler as a commander action. */
export type ActionFactory = (load: () => Promise<Handler>) => (...args: unknown[]) => Promise<void>;

export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds ≥ 0');
  return n;
}

export function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

export function positiveId(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
