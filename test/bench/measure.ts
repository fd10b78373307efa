/** One contender of an interleaved comparison: `run` does its own untimed set-up and returns the timed ms. */
export interface Step {
  name: string;
  run: (round: number) => Promise<number>;
}

/**
 * Runs the steps A B … A B … `rounds` times in turn (never all A then all B), so that drift in
 * a shared, noisy machine falls on every contender alike. Returns each step's samples in ms.
 */
export async function interleave(
  rounds: number,
  steps: readonly Step[],
  log: (message: string) => void,
): Promise<Map<string, number[]>> {
  const samples = new Map(steps.map((step) => [step.name, [] as number[]]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const step of steps) {
      const ms = await step.run(round);
      samples.get(step.name)!.push(ms);
      log(`  ${step.name} ${round}/${rounds}: ${formatMs(ms)}`);
    }
  }
  return samples;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
