import type { SizeName } from './figures.js';

/**
 * Rows per table of the generated database: S, M and L each have 10× the rows of the one before;
 * M3 (≈ 300 k rows, issue 13) sits between M and L.
 */
export interface SizeSpec {
  customers: number;
  orders: number;
  order_events: number;
}

export const SIZES: Readonly<Record<SizeName, SizeSpec>> = {
  S: { customers: 1_000, orders: 3_000, order_events: 6_000 },
  M: { customers: 10_000, orders: 30_000, order_events: 60_000 },
  M3: { customers: 30_000, orders: 90_000, order_events: 180_000 },
  L: { customers: 100_000, orders: 300_000, order_events: 600_000 },
};

/**
 * How long one tool run (a backup, a restore, pg_dump, …) may take before it is killed and the
 * figure reported FAILED, so a hung command cannot stall the harness. Generous: ≈ 20× the expected time.
 */
export const RUN_TIMEOUT_MS: Readonly<Record<SizeName, number>> = {
  S: 120_000,
  M: 300_000,
  M3: 600_000,
  L: 1_800_000,
};

/** The generated tables, parents first (the order FKs allow loading them in). */
export const BENCH_TABLES = [
  'customers',
  'orders',
  'order_events',
] as const satisfies readonly (keyof SizeSpec)[];

export function totalRows(spec: SizeSpec): number {
  return BENCH_TABLES.reduce((sum, table) => sum + spec[table], 0);
}
