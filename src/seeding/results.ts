export type SeederStatus = 'pending' | 'completed' | 'failed' | 'rolled_back' | 'skipped';

export interface SeederResult {
  status: SeederStatus;
  created: number;
  updated: number;
  deleted: number;
  duration_ms: number;
  error?: string;
}

/** The guide's `results` shape: per-seeder counts and totals. */
export interface RunResults {
  seeders: Record<string, SeederResult>;
  /**
   * What stayed: after a rolled-back run every total is 0 (each seeder keeps its attempted counts
   * beside its status). `deleted` includes the rows `reset` emptied.
   */
  total: { created: number; updated: number; deleted: number };
  /** `reset` only: rows emptied per table before the seeders ran again. */
  emptied?: Record<string, number>;
}

export function emptyResults(names: readonly string[]): RunResults {
  return {
    seeders: Object.fromEntries(
      names.map((name) => [name, { status: 'skipped', created: 0, updated: 0, deleted: 0, duration_ms: 0 }]),
    ),
    total: { created: 0, updated: 0, deleted: 0 },
  };
}
