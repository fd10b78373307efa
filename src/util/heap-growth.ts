import { setFlagsFromString } from 'node:v8';

/**
 * A restore reads rows faster than it loads them only by a batch, yet its peak memory grew with
 * the backup's size (1 M rows: 151 MB; 100 k: 86 MB): each young-generation GC promotes the batch
 * in flight, and V8 lets the old generation grow by up to 4× before collecting it. Growing it by
 * 20 % at a time keeps that garbage collected early: 1 M rows 151 → 117 MB at the same speed
 * (measured, docs/performance.md). V8 reads the flag at each collection, so setting it at run
 * time takes effect. Called by the CLI for the commands that load a backup, never by the library.
 */
export function slowOldGenerationGrowth(env: NodeJS.ProcessEnv = process.env): void {
  // An operator's own heap flags win.
  if ([...process.execArgv, env.NODE_OPTIONS ?? ''].some((arg) => /heap|old[-_]space/.test(arg))) return;
  setFlagsFromString('--heap-growing-percent=20');
}
