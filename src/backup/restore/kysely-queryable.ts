import { CompiledQuery, type Kysely } from 'kysely';
import type { Queryable } from './live-schema.js';
import type { AnyDB } from '../../db/any-kysely.js';

/** Raw SQL through Kysely (e.g. on the seeding transaction `reset` empties tables in). */
export function kyselyQueryable(db: Kysely<AnyDB>): Queryable {
  return {
    async query<R extends Record<string, unknown>>(text: string, params?: readonly unknown[]) {
      const result = await db.executeQuery<R>(CompiledQuery.raw(text, params ? [...params] : []));
      return result.rows;
    },
  };
}
