import type { Kysely } from 'kysely';

/**
 * The schema of a database whose tables are known only at run time: the seeding machinery writes
 * to whatever table a seeder names (custom seeders bring their own schema types), so its queries
 * cannot be typed against one schema. The typed view lives in `Seeder<DB>`'s signatures.
 */
// biome-ignore lint/suspicious/noExplicitAny: tables are named at run time; Kysely types them only through `any`.
export type AnyDB = any;

/** A Kysely instance over {@link AnyDB}: the one way the seeding machinery holds a database. */
export type AnyKysely = Kysely<AnyDB>;
