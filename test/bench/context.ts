import type { SizeName } from './figures.js';
import type { S3Service } from './s3.js';
import type { SizeSpec } from './sizes.js';

/** What every comparison gets. */
export interface BenchContext {
  /** Admin connection (BENCH_DATABASE_URL) used to create and drop the bench databases. */
  admin: string;
  runs: number;
  /** The run's temp folder (removed at the end). */
  workDir: string;
  /** Where GNU time writes its reports. */
  scratchDir: string;
  /** bin/foodfleet-seed.js of the build snapshot every run uses (snapshot.ts). */
  cliBin: string;
  /** Subcommands the built CLI lists in --help. */
  commands: ReadonlySet<string>;
  seedRows: number;
  s3: S3Service;
  log(message: string): void;
}

/** What the per-size comparisons (1, 2, 3, 6) share: the generated database and what was made from it. */
export interface SizeContext extends BenchContext {
  size: SizeName;
  spec: SizeSpec;
  /** Limit for one tool run at this size (see RUN_TIMEOUT_MS). */
  timeoutMs: number;
  /** The generated database. */
  url: string;
  /** Digest of the generated rows and sequences (generator.fingerprint), checked after restores. */
  fingerprint: string;
  /** Working folder of the CLI runs for this size (holds seedrc.json pointing backup.dir below it). */
  sizeDir: string;
  backupDir: string;
  dumpFile: string;
  /** Made by comparison 1 and reused by 2 (or made by 2 when 1 is not run). */
  artifacts: { backupKey: string | null; dumpReady: boolean; backupFailure: string | null };
  /** Peak RSS samples (kB) of the timed CLI runs, for comparison 3. */
  rss: { backup: number[]; restore: number[] };
}
