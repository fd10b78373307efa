import { setFlagsFromString } from 'node:v8';
import { operatorSetFlag } from './operator-flags.js';

/**
 * V8 doubles its young generation (up to 3 × 16 MB) each time enough has survived since it last
 * grew, and a larger one is scavenged less often, so dead stream Buffers pile up in between. For
 * `backup`, which only streams, holding it at its starting size took peak RSS at 1 M rows from
 * 126 to 91 MB (10 k rows: 98 → 83 MB) at the same wall time (measured, `npm run bench`); for
 * `restore` and `rollback`, which parse each row line whole and send it on, 118 → 85 MB at 1 M
 * rows and 87 → 74 MB at 100 k, at the same speed (measured side by side).
 * Commands that build many rows need the room: with the young generation held, a 100 k-row
 * seeding spent twice the time in GC (measured), so every other command releases it before its
 * action runs, and so do these on the embedded engine, which hands every row over as a JS object.
 * V8 reads this flag whenever it would grow the space, so setting it at run time takes effect
 * (given as a command-line flag it does not hold the space: measured on Node 20).
 */
const HELD = '--semi-space-growth-factor=1';
/** V8's default (`node --v8-options`). */
const GROWING = '--semi-space-growth-factor=2';

let held = false;

/** Called first thing by the CLI (never by the library, which must not tune its host's GC). */
export function holdYoungGeneration(env: NodeJS.ProcessEnv = process.env): void {
  if (operatorSetFlag(/semi[-_]space/, env)) return;
  held = true;
  setFlagsFromString(HELD);
}

/** Lets V8 grow the young generation again (a no-op unless it was held). */
export function releaseYoungGeneration(): void {
  if (!held) return;
  held = false;
  setFlagsFromString(GROWING);
}
