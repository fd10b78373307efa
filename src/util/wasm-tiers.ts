import { setFlagsFromString } from 'node:v8';
import { operatorSetFlag } from './operator-flags.js';

/**
 * PGlite is PostgreSQL compiled to a 9 MB WebAssembly module. V8 compiles it with its baseline
 * compiler (Liftoff) and then recompiles the hot functions with TurboFan in the background, which
 * here held the main thread for ≈ 300 ms of a later embedded `run` and raised its peak memory:
 * with Liftoff alone that `run` took 0.6 s instead of 1.1 s (166 instead of 241 MB), the first
 * `run` 1.6 s instead of 2.1 s, and even a 30,000-row upsert was faster (measured, docs/performance.md).
 * A command ends long before optimized code would pay that back; `serve`, which lives on, keeps the
 * default. Must run before PGlite compiles its module; WebAssembly is used by nothing else here.
 */
export function baselineWasmOnly(env: NodeJS.ProcessEnv = process.env): void {
  if (operatorSetFlag(/liftoff|wasm/, env)) return;
  setFlagsFromString('--liftoff-only');
}
