import { setFlagsFromString } from 'node:v8';
import { operatorSetFlag } from './operator-flags.js';

/**
 * V8 doubles its young generation (up to 3 × 16 MB) each time enough has survived since it last
 * grew, and a larger one is scavenged less often, so dead stream Buffers pile up in between. For
 * `backup`, which only streams, holding it at its starting size took peak RSS at 1 M rows from
 * 126 to 91 MB (10 k rows: 98 → 83 MB) at the same wall time (measured, `npm run bench`).
 * Commands that build or parse many rows need the room: with the young generation held, a
 * 100 k-row seeding spent twice the time in GC and restore ran 19 % slower (measured), so every
 * command but `backup` releases it before its action runs, and so does `backup` on the embedded
 * engine, which hands every row over as a JS object.
 * V8 reads this flag whenever it would grow the space, so setting it at run time takes effect.
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
