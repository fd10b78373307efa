import { sql, type Kysely } from 'kysely';
import type { ExecutionStatus, ToolDatabase } from '../schema.js';
import type { Database } from '../db/database.js';
import { toExecutionDocument, type ExecutionDocument } from './execution-document.js';
import { redactDeep, type Redact } from './redact-record.js';

export interface NewExecution extends ExecutionOrigin {
  command: string;
  options: Record<string, unknown>;
}

export interface Finish {
  status: 'completed' | 'failed';
  results?: unknown;
  error?: { message: string; stack?: string | undefined } | null;
}

export interface BackupRecord {
  key: string | null;
  size?: number | null;
  sha256?: string | null;
  status: 'completed' | 'failed' | 'skipped';
  error?: string | null;
  tables?: Record<string, number> | null;
}

/**
 * The `seeder_executions` audit trail. Every write here runs outside the seeding transaction,
 * so a failed run is still recorded.
 */
export class ExecutionTracker {
  readonly #db: Kysely<ToolDatabase>;
  readonly #redact: Redact;

  /** `redact` masks secrets (a URL password quoted in a seeder's error, say) before anything is stored. */
  constructor(database: Database, options: { redact?: Redact } = {}) {
    this.#db = database.kysely as Kysely<ToolDatabase>;
    this.#redact = options.redact ?? ((text) => text);
  }

  async create(execution: NewExecution): Promise<number> {
    const row = await this.#db
      .insertInto('seeder_executions')
      .values({
        command: execution.command,
        status: 'pending',
        triggered_by: execution.triggeredBy,
        source: execution.source,
        user_id: execution.userId ?? null,
        options: JSON.stringify(redactDeep(execution.options, this.#redact)),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async setStatus(id: number, status: ExecutionStatus): Promise<void> {
    await this.#db.updateTable('seeder_executions').set({ status }).where('id', '=', id).execute();
  }

  /**
   * Marks runs left `running` by a killed process as failed. Only the lock holder may call this:
   * holding the lock proves no one else is running.
   */
  async markInterrupted(exceptId: number): Promise<number[]> {
    const rows = await this.#db
      .updateTable('seeder_executions')
      .set({
        status: 'failed',
        finished_at: sql`now()`,
        error_message:
          'interrupted: the process running it stopped before it finished (killed or crashed); its transaction was rolled back by PostgreSQL',
      })
      .where('status', '=', 'running')
      .where('id', '<>', exceptId)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async finish(id: number, finish: Finish): Promise<void> {
    await this.#db
      .updateTable('seeder_executions')
      .set({
        status: finish.status,
        finished_at: sql`now()`,
        duration_ms: sql`(extract(epoch from (now() - started_at)) * 1000)::int`,
        results:
          finish.results === undefined ? null : JSON.stringify(redactDeep(finish.results, this.#redact)),
        error_message: finish.error?.message === undefined ? null : this.#redact(finish.error.message),
        error_stack: finish.error?.stack === undefined ? null : this.#redact(finish.error.stack),
      })
      .where('id', '=', id)
      .execute();
  }

  async recordBackup(id: number, backup: BackupRecord): Promise<void> {
    await this.#db
      .updateTable('seeder_executions')
      .set({
        backup_key: backup.key,
        backup_size: backup.size ?? null,
        backup_sha256: backup.sha256 ?? null,
        backup_status: backup.status,
        backup_error: backup.error ? this.#redact(backup.error) : null,
        backup_tables: backup.tables ? JSON.stringify(backup.tables) : null,
      })
      .where('id', '=', id)
      .execute();
  }

  async recordRestoredKey(id: number, key: string): Promise<void> {
    await this.#db.updateTable('seeder_executions').set({ restored_key: key }).where('id', '=', id).execute();
  }

  async get(id: number): Promise<ExecutionDocument | null> {
    // Ids are PostgreSQL integers: a larger number cannot exist (and would fail the query).
    if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) return null;
    const row = await this.#db
      .selectFrom('seeder_executions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toExecutionDocument(row) : null;
  }

  /** Newest first. */
  async list(skip: number, limit: number): Promise<{ items: ExecutionDocument[]; total: number }> {
    const [rows, count] = await Promise.all([
      this.#db
        .selectFrom('seeder_executions')
        .selectAll()
        .orderBy('id', 'desc')
        .offset(skip)
        .limit(limit)
        .execute(),
      this.#db
        .selectFrom('seeder_executions')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toExecutionDocument), total: Number(count.n) };
  }

  /**
   * The newest completed execution of one of `commands` whose backup completed: what `rollback`
   * without an id undoes.
   */
  async findLatestWithBackup(
    commands: readonly string[],
  ): Promise<{ id: number; backup_key: string } | undefined> {
    const row = await this.#db
      .selectFrom('seeder_executions')
      .select(['id', 'backup_key'])
      .where('command', 'in', [...commands])
      .where('status', '=', 'completed')
      .where('backup_status', '=', 'completed')
      .where('backup_key', 'is not', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.backup_key ? { id: row.id, backup_key: row.backup_key } : undefined;
  }

  /** The execution currently holding the run lock, for "locked" messages. */
  async findRunning(
    exceptId?: number,
  ): Promise<{ id: number; command: string; triggered_by: string; started_at: Date } | undefined> {
    let query = this.#db
      .selectFrom('seeder_executions')
      .select(['id', 'command', 'triggered_by', 'started_at'])
      .where('status', '=', 'running')
      .orderBy('id', 'desc');
    if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
    return query.executeTakeFirst();
  }
}

/** Who starts an execution: recorded on it. */
export interface ExecutionOrigin {
  /** `cli:<user>@<host>`, `api:user:<id>` or `schedule` (serve's `server.backupSchedule`). */
  triggeredBy: string;
  source: 'cli' | 'api' | 'schedule';
  userId?: number | null | undefined;
}
