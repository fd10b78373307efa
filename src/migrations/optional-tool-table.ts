import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { AnyDB } from '../db/any-kysely.js';

/**
 * A migration for a tool table that is only an optimization: created where the role may create
 * tables in `schema`, skipped (not failed) elsewhere, so the feature falls back to its slow path.
 */
export function optionalToolTable(
  schema: string,
  table: string,
  columns: (builder: CreateTableBuilder<string, never>) => CreateTableBuilder<string, never>,
): Migration {
  return {
    async up(db: Kysely<AnyDB>) {
      const { rows } = await sql<{
        allowed: boolean;
      }>`select pg_catalog.has_schema_privilege(${schema}, 'CREATE') as allowed`.execute(db);
      if (rows[0]?.allowed !== true) return;
      await columns(db.schema.createTable(table).ifNotExists()).execute();
    },
    async down(db: Kysely<AnyDB>) {
      await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
