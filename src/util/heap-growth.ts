import { setFlagsFromString } from 'node:v8';
import { operatorSetFlag } from './operator-flags.js';

/**
 * A restore reads rows faster than it loads them only by a batch, yet its peak memory grew with
 * the backup's size (1 M rows: 151 MB; 100 k: 86 MB): each young-generation GC promotes the batch
 * in flight, and V8 lets the old generation grow by up to 4× before collecting it. Growing it by
 * 20 % at a time keeps that garbage collected early: 1 M rows 151 → 117 MB at the same speed
 * (measured, docs/performance.md). V8 reads the flag at each collection, so setting it at run
 * time takes effect. Called by the CLI for the commands that load a backup, never by the library.
 */
export function slowOldGenerationGrowth(env: NodeJS.ProcessEnv = process.env): void {
  if (operatorSetFlag(/heap|old[-_]space/, env)) return;
  setFlagsFromString('--heap-growing-percent=20');
}
