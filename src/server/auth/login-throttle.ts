import { createHash } from 'node:crypto';
import { sql, type QueryExecutorProvider } from 'kysely';
import type { Database } from '../../db/database.js';
import { LOGIN_THROTTLE_TABLE } from '../../migrations/login-throttle-table.js';
import type { Clock } from '../clock.js';
import { byCodeUnits } from '../../util/compare.js';

/** `server.loginThrottle`: how many failed password checks are allowed, and for how long. */
export interface ThrottleOptions {
  /** Failures allowed per (account, client address) pair within the window (default 5). */
  maxFailures?: number;
  /** Failures allowed per client address, whatever the account (default 20). */
  maxFailuresPerAddress?: number;
  /** Failures per account from all addresses after which each attempt is slowed down (default 10). */
  slowdownAfter?: number;
  /** The slowdown, in seconds, of each attempt past `slowdownAfter` (default 1). */
  slowdownSeconds?: number;
  /** Window in seconds (default 15 minutes). */
  windowSeconds?: number;
  /** Rows kept at most; past it the entries nearest to expiry go first (bounds the table). */
  maxEntries?: number;
  /** Password checks in flight per client address (default 2); beyond it: 429, Retry-After 1. */
  maxChecksPerAddress?: number;
}

export type ResolvedThrottleOptions = Required<ThrottleOptions>;

const THROTTLE_DEFAULTS: ResolvedThrottleOptions = {
  maxFailures: 5,
  maxFailuresPerAddress: 20,
  slowdownAfter: 10,
  slowdownSeconds: 1,
  windowSeconds: 15 * 60,
  maxEntries: 10_000,
  maxChecksPerAddress: 2,
};

/** One counter to reserve a failure on: refused at `limit`, or only counted when `limit` is null. */
export interface Budget {
  /** Readable key (e.g. `login:pair:<email>|<address>`); stored only as a digest. */
  key: string;
  limit: number | null;
}

/** Failures reserved by one attempt, released if the password turns out right. */
export interface Reservation {
  /** Failures already counted on each budget, this attempt included (by readable key). */
  counts: ReadonlyMap<string, number>;
  /** Gives back this attempt's failure on each budget (a success); later calls do nothing. */
  release(): Promise<void>;
}

export type ReserveResult = Reservation | { retryAfterSeconds: number };

/** Expired rows are deleted at most this often per process. */
const PURGE_EVERY_MS = 10_000;

/**
 * Failed-attempt budgets in PostgreSQL, shared by every `serve` process on the database. A
 * failure is reserved *before* the password is checked, one conditional UPSERT per budget in a
 * transaction, so N concurrent attempts can never check more passwords than the budget allows;
 * a correct password gives its reservation back. Times come from the app's clock (tests move it).
 */
export class LoginThrottle {
  readonly #database: Database;
  readonly #clock: Clock;
  readonly #ensureTable: () => Promise<unknown>;
  readonly options: ResolvedThrottleOptions;
  #lastPurge = 0;

  constructor(
    database: Database,
    clock: Clock,
    options: ThrottleOptions,
    ensureTable: () => Promise<unknown>,
  ) {
    this.#database = database;
    this.#clock = clock;
    this.#ensureTable = ensureTable;
    this.options = { ...THROTTLE_DEFAULTS, ...options };
  }

  /** Reserves one failure on every budget, or none and says how long the blocking one lasts. */
  async reserve(budgets: readonly Budget[]): Promise<ReserveResult> {
    await this.#ensureTable();
    const now = this.#clock.now();
    await this.#purge(now);
    // A fixed order: two attempts locking the same rows cannot deadlock.
    const sorted = [...budgets].sort((a, b) => byCodeUnits(a.key, b.key));
    const outcome = await this.#database.kysely
      .transaction()
      .execute(async (trx) => {
        const taken: Array<{ budget: Budget; failures: number; expiresAt: Date }> = [];
        for (const budget of sorted) {
          const row = await this.#take(trx, budget, now);
          if (!row) {
            const wait = await this.#expiry(trx, budget.key);
            // Throwing rolls the reservations already taken back with the transaction.
            throw new Blocked(Math.max(1, Math.ceil((wait.getTime() - now.getTime()) / 1000)));
          }
          taken.push({ budget, ...row });
        }
        return taken;
      })
      .catch((error: unknown) => {
        if (error instanceof Blocked) return error;
        throw error;
      });
    if (outcome instanceof Blocked) return { retryAfterSeconds: outcome.seconds };
    let released = false;
    return {
      counts: new Map(outcome.map((t) => [t.budget.key, t.failures])),
      release: async () => {
        if (released) return;
        released = true;
        for (const t of outcome) await this.#giveBack(t.budget.key, t.expiresAt);
      },
    };
  }

  async #take(
    trx: QueryExecutorProvider,
    budget: Budget,
    now: Date,
  ): Promise<{ failures: number; expiresAt: Date } | undefined> {
    const expires = new Date(now.getTime() + this.options.windowSeconds * 1000);
    // A row whose window has passed starts over; a full one is left as it is (no row returned).
    const { rows } = await sql<{ failures: number; expires_at: Date }>`
      insert into ${this.#table()} as t (key, failures, expires_at)
      values (${digest(budget.key)}, 1, ${expires})
      on conflict (key) do update set
        failures = case when t.expires_at <= ${now} then 1 else t.failures + 1 end,
        expires_at = case when t.expires_at <= ${now} then excluded.expires_at else t.expires_at end
      where t.expires_at <= ${now} or ${budget.limit}::int is null or t.failures < ${budget.limit}::int
      returning failures, expires_at
    `.execute(trx);
    const row = rows[0];
    return row && { failures: row.failures, expiresAt: new Date(row.expires_at) };
  }

  async #expiry(trx: QueryExecutorProvider, key: string): Promise<Date> {
    const { rows } = await sql<{ expires_at: Date }>`
      select expires_at from ${this.#table()} where key = ${digest(key)}
    `.execute(trx);
    return new Date(rows[0]?.expires_at ?? this.#clock.now());
  }

  /** Only within the window it was taken in: a later window's failures are somebody else's. */
  async #giveBack(key: string, expiresAt: Date): Promise<void> {
    await sql`
      update ${this.#table()} set failures = failures - 1
      where key = ${digest(key)} and expires_at = ${expiresAt} and failures > 0
    `.execute(this.#database.kysely);
  }

  /** Deletes expired rows, then the rows nearest to expiry past `maxEntries`. */
  async #purge(now: Date): Promise<void> {
    if (now.getTime() - this.#lastPurge < PURGE_EVERY_MS) return;
    this.#lastPurge = now.getTime();
    const table = this.#table();
    await sql`delete from ${table} where expires_at <= ${now}`.execute(this.#database.kysely);
    await sql`
      delete from ${table} where key in (
        select key from ${table} order by expires_at desc offset ${this.options.maxEntries}
      )
    `.execute(this.#database.kysely);
  }

  #table() {
    return sql.id(this.#database.schema, LOGIN_THROTTLE_TABLE);
  }
}

/** Thrown inside the reservation's transaction to roll back the budgets already taken. */
class Blocked extends Error {
  constructor(readonly seconds: number) {
    super(`blocked for ${seconds} s`);
  }
}

/** Keys hold emails and addresses: store a digest (also bounds the key's length). */
function digest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64url');
}
