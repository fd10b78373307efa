import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDump } from './support/canonical-dump.js';
import { eventually, type FaultControl, faultControl } from './support/faults.js';
import { type FreshDatabase, freshDatabase, runCli, startCli, tempDir } from './support/index.js';
import { seedersDir } from './support/seeders-dir.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import type { FailureDocument } from './support/documents.js';

/**
 * The fault matrix on the CLI: the database connection is cut in each phase of a command (an
 * administrator's pg_terminate_backend while the tool waits on a lock the test holds, or a TCP
 * proxy that drops the connection on a chosen statement). Each time: exit 1 with one
 * CONNECTION_LOST line that says what is true, the data exactly before or after, no `running` row.
 */

/** Advisory lock the blocking seeder waits on. */
const SEEDER_LOCK = 4242;
/** Kysely's migration lock (kysely/dist/…/postgres-adapter.js): every migration run takes it. */
const MIGRATION_LOCK = '3853314791062309107';

interface ErrorJson {
  success: false;
  error: { code: string; message: string };
  execution_id?: number;
}

let db: FreshDatabase;
let control: FaultControl;
let env: Record<string, string>;
const backupDir = tempDir('foodfleet-faults-backups-');

beforeAll(async () => {
  db = await freshDatabase('faults');
  control = await faultControl(db);
  env = {
    DATABASE_URL: db.url,
    SEED_SEEDERS_DIR: seedersDir('blocking-seeder.ts', 'slow-seeder.ts'),
    SEED_BACKUP_DIR: backupDir,
    BLOCKING_SEEDER_LOCK: String(SEEDER_LOCK),
  };
  // slow-seeder.ts with SLOW_SEEDER_TABLE=1 marks each committed run here.
  await db.query('create table slow_marks (id serial primary key, name text not null)');
});

afterAll(async () => {
  await control.close();
  await db.close();
});

const dump = () => canonicalDump((sql, params) => db.query(sql, params));

async function statuses(): Promise<
  Array<{ id: number; command: string; status: string; error: string | null }>
> {
  const [found] = await db.query(`select to_regclass('seeder_executions') is not null as exists`);
  if (!found?.exists) return [];
  return db.query(
    'select id, command, status, error_message as error from seeder_executions order by id',
  ) as never;
}

/** What every fault must leave: one clear error, no crash, no row left `running`. */
async function expectConnectionLost(
  result: { code: number | null; stderr: string; json<T>(): T },
  phase: RegExp,
  { unreachableAtEnd = false, othersRunning = false } = {},
): Promise<ErrorJson> {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).not.toMatch(/Unhandled 'error' event|node:events|^\s+at /m);
  const document = result.json<ErrorJson>();
  expect(document.error.code).toBe('CONNECTION_LOST');
  expect(document.error.message).toMatch(/^The database connection was lost during /);
  expect(document.error.message).toMatch(phase);
  // A row may stay `running` only when the database was unreachable when the process ended.
  if (!unreachableAtEnd && document.execution_id !== undefined)
    expect((await statuses()).find((row) => row.id === document.execution_id)?.status).toBe('failed');
  if (!unreachableAtEnd && !othersRunning)
    expect((await statuses()).filter((row) => row.status === 'running' || row.status === 'pending')).toEqual(
      [],
    );
  return document;
}

/**
 * Makes the newest migration of a set pending again (its tables are created `if not exists`, so
 * applying it again is harmless): a command then runs the migrator, which takes Kysely's lock.
 * With nothing pending, the migrations check is one read and never waits on that lock.
 */
async function pendMigration(table: string): Promise<void> {
  await db.query(`delete from ${table} where name = (select max(name) from ${table})`);
}

/** Runs `body` while the control session holds a lock (taken by `take`, dropped by `drop` whatever happens). */
async function holding<T>(take: string, drop: string, body: () => Promise<T>): Promise<T> {
  await control.query(take);
  try {
    return await body();
  } finally {
    await control.query(drop);
  }
}

/** `holding` an exclusive lock on `permissions`: a backup's COPY of it waits. */
function holdingTable<T>(body: () => Promise<T>): Promise<T> {
  return holding('begin; lock table permissions in access exclusive mode', 'rollback', body);
}

describe('a lost connection on the CLI', () => {
  it('during a seeder: exit 1, CONNECTION_LOST naming the seeder, nothing committed, the row failed', async () => {
    const run = await holding(
      `select pg_advisory_lock(${SEEDER_LOCK})`,
      'select pg_advisory_unlock_all()',
      async () => {
        const run = startCli(['run', '--no-backup', '--json'], { env });
        const waiting = await control.waitingBackend('%pg_advisory_xact_lock%');
        await control.terminate('pid = $1', [waiting.pid]);
        return run;
      },
    );
    const result = await run.done;

    const document = await expectConnectionLost(
      result,
      /during seeder BlockingSeeder: terminating connection/,
    );
    expect(document.error.message).toMatch(/Nothing was committed\.$/);
    expect(await db.query('select count(*)::int as n from permissions')).toEqual([{ n: 0 }]);
    const rows = await statuses();
    expect(rows.at(-1)).toMatchObject({ id: document.execution_id, status: 'failed' });
    expect(rows.at(-1)?.error).toBe(document.error.message);
    // The database itself is fine: the next run goes through.
    const again = await runCli(['run', '--no-backup', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
  });

  it('while waiting for the run lock: the waiting run fails cleanly, the holder is untouched', async () => {
    await control.query('select pg_advisory_lock($1)', [SEEDER_LOCK]);
    const holder = startCli(['run', '--no-backup', '--json'], { env });
    const held = await control.waitingBackend('%pg_advisory_xact_lock%');
    const waiter = startCli(['run', '--no-backup', '--json', '--lock-timeout', '60'], { env });
    await eventually(async () =>
      (await statuses()).some((row) => row.status === 'pending') ? true : undefined,
    );
    // Every session of the waiting process (its lock poller and its idle pool), none of the holder's.
    await control.terminate(`application_name like 'foodfleet-seed:%' and application_name <> $1`, [
      held.application_name,
    ]);
    const result = await waiter.done;
    const document = await expectConnectionLost(result, /during the wait for the run lock/, {
      othersRunning: true,
    });
    expect((await statuses()).find((row) => row.id === document.execution_id)?.status).toBe('failed');

    await control.query('select pg_advisory_unlock_all()');
    const finished = await holder.done;
    expect(finished.code, finished.stderr).toBe(0);
  });

  it('during migrations: CONNECTION_LOST, no execution left behind', async () => {
    await pendMigration('foodfleet_seed_tracking_migrations');
    const before = await statuses();
    const run = await holding(
      `select pg_advisory_lock(${MIGRATION_LOCK})`,
      'select pg_advisory_unlock_all()',
      async () => {
        const run = startCli(['run', '--no-backup', '--json'], { env });
        const waiting = await control.waitingBackend(`%pg_advisory_lock(${MIGRATION_LOCK})%`);
        await control.terminate('pid = $1', [waiting.pid]);
        return run;
      },
    );
    await expectConnectionLost(await run.done, /during migrations/);
    expect(await statuses()).toEqual(before);
  });

  it('in a command outside an execution (history): CONNECTION_LOST, not "a bug in foodfleet-seed"', async () => {
    await pendMigration('foodfleet_seed_tracking_migrations');
    const history = await holding(
      `select pg_advisory_lock(${MIGRATION_LOCK})`,
      'select pg_advisory_unlock_all()',
      async () => {
        const history = startCli(['history', '--json'], { env });
        const waiting = await control.waitingBackend(`%pg_advisory_lock(${MIGRATION_LOCK})%`);
        await control.terminate('pid = $1', [waiting.pid]);
        return history;
      },
    );
    const document = await expectConnectionLost(await history.done, /during the command: /);
    expect(document.error.message).not.toMatch(/bug/);
  });

  it('during the backup snapshot: no backup listed, the backup execution failed', async () => {
    const backup = await holdingTable(async () => {
      const backup = startCli(['backup', '--json'], { env });
      const waiting = await control.waitingBackend('copy %');
      await control.terminate('pid = $1', [waiting.pid]);
      return backup;
    });
    const document = await expectConnectionLost(await backup.done, /during the backup snapshot/);
    expect(document.error.message).toMatch(/No backup was stored/);
    const listed = await runCli(['backups', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json<{ total: number }>().total).toBe(0);
    expect((await statuses()).find((row) => row.id === document.execution_id)).toMatchObject({
      command: 'backup',
      status: 'failed',
    });
  });

  it('during the backup before seeding: the run stops before seeding instead of going on without a backup', async () => {
    const before = await dump();
    const run = await holdingTable(async () => {
      const run = startCli(['run', '--json'], { env: { ...env, SLOW_SEEDER_TABLE: '1' } });
      const waiting = await control.waitingBackend('copy %');
      await control.terminate('pid = $1', [waiting.pid]);
      return run;
    });
    const document = await expectConnectionLost(await run.done, /during the backup snapshot/);
    expect(document.error.message).toMatch(/the database was not changed/);
    expect(await dump()).toEqual(before);
  });
});

describe('a connection cut by the network', () => {
  let proxy: TcpProxy;
  let viaProxy: Record<string, string>;
  /** A backup taken by the restore tests' first. */
  let backupKey: string;

  beforeAll(async () => {
    const target = new URL(db.url);
    proxy = await startTcpProxy(
      { host: target.hostname, port: Number(target.port || 5432) },
      { protocol: 'postgres' },
    );
    viaProxy = { ...env, DATABASE_URL: proxy.via(db.url), SLOW_SEEDER_TABLE: '1' };
    // Seeded before any test here: the tables exist (migrations commit on their own, before
    // seeding) and hold rows for a backup to carry.
    const migrated = await runCli(['run', '--no-backup'], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
  });
  afterAll(() => proxy.close());

  /** Fires on the first COMMIT of the seeding transaction (the one right after its txid is read). */
  const seedingCommit = () => {
    let armed = false;
    return (message: { text: string }) => {
      if (message.text.includes('txid_current')) armed = true;
      return armed && /^commit/i.test(message.text);
    };
  };

  it('before COMMIT reaches the server: rolled back, and the message says so', async () => {
    await db.query('delete from slow_marks');
    // Rows, not sequences: PostgreSQL never rolls back nextval(), so any rolled-back run moves them.
    const before = (await dump()).tables;
    const cut = proxy.onMessage(seedingCommit(), 'drop-before');
    const result = await runCli(['run', '--no-backup', '--json'], { env: viaProxy });
    await cut;
    const document = await expectConnectionLost(
      result,
      /during the commit: .*The transaction was rolled back: nothing was committed\./,
    );
    expect((await statuses()).find((row) => row.id === document.execution_id)?.status).toBe('failed');
    expect((await dump()).tables).toEqual(before);
  });

  it('after COMMIT reached the server but before its answer: the run finds out it committed', async () => {
    const cut = proxy.onMessage(seedingCommit(), 'drop-after');
    const result = await runCli(['run', '--no-backup', '--json'], { env: viaProxy });
    await cut;
    expect(result.code, result.stderr).toBe(0);
    const document = result.json<{ success: boolean; execution_id: number }>();
    expect(document.success).toBe(true);
    expect(await db.query('select name from slow_marks')).toEqual([{ name: 'written before the sleep' }]);
    expect((await statuses()).find((row) => row.id === document.execution_id)?.status).toBe('completed');
  });

  it('during the ledger update: retried on a fresh connection, the row is marked completed', async () => {
    const cut = proxy.onMessage(
      (message) => message.text.includes('"seeder_executions"') && message.text.includes('"error_stack"'),
      'drop-before',
    );
    const result = await runCli(['run', '--no-backup', '--json'], { env: viaProxy });
    await cut;
    expect(result.code, result.stderr).toBe(0);
    const document = result.json<{ execution_id: number }>();
    expect((await statuses()).find((row) => row.id === document.execution_id)?.status).toBe('completed');
  });

  it("during restore's COPY: rolled back, the data exactly as before the restore", async () => {
    const backup = await runCli(['backup', '--json'], { env });
    expect(backup.code, backup.stderr).toBe(0);
    backupKey = backup.json<{ key: string }>().key;
    await db.query(`insert into slow_marks (name) values ('written after the backup')`);
    const before = await dump();
    const cut = proxy.onMessage((message) => message.type === 'd', 'drop-before');
    const result = await runCli(['restore', '--key', backupKey, '--no-backup', '--yes', '--json'], {
      env: viaProxy,
    });
    await cut;
    const document = await expectConnectionLost(result, /during the restore: /);
    expect(document.error.message).toMatch(/exactly as it was before/);
    expect(await dump()).toEqual(before);
    expect((await statuses()).find((row) => row.id === document.execution_id)).toMatchObject({
      command: 'restore',
      status: 'failed',
    });
  });

  it('while restore re-adds the foreign keys: rolled back, the data exactly as before the restore', async () => {
    const before = await dump();
    const cut = proxy.onMessage((message) => /add constraint/i.test(message.text), 'drop-before');
    const result = await runCli(['restore', '--key', backupKey, '--no-backup', '--yes', '--json'], {
      env: viaProxy,
    });
    await cut;
    const document = await expectConnectionLost(result, /during the restore: .*exactly as it was before/);
    expect(document.execution_id).toBeDefined();
    expect(await dump()).toEqual(before);
  });

  it('while restore sets the sequences: rolled back, and the sequences already set are put back', async () => {
    // Every sequence away from the backup's value, so a setval that stayed would show.
    await db.query(
      `select setval(c.oid::regclass, nextval(c.oid::regclass) + 100) from pg_class c
         join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'S'`,
    );
    const before = await dump();
    let setvals = 0;
    const cut = proxy.onMessage(
      (message) => message.text.includes('setval(') && ++setvals === 2,
      'drop-before',
    );
    const result = await runCli(['restore', '--key', backupKey, '--no-backup', '--yes', '--json'], {
      env: viaProxy,
    });
    await cut;
    await expectConnectionLost(result, /during the restore: .*exactly as it was before/);
    expect(await dump()).toEqual(before);
  });

  it('Ctrl-C while the next statement of a restore has not reached the server: rolled back, not committed', async () => {
    await db.query(`insert into slow_marks (name) values ('written before the cancelled restore')`);
    const before = await dump();
    // The first foreign key re-added after the load waits in the proxy: the server has nothing
    // running for the restore when the signal comes, so there is nothing to cancel at that moment.
    const held = proxy.onMessage((message) => /add constraint/i.test(message.text), 'hold');
    const cli = startCli(['restore', '--key', backupKey, '--no-backup', '--yes', '--json'], {
      env: viaProxy,
    });
    await held;
    const exited = cli.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    proxy.resume();
    const result = await exited;
    expect(result.code, result.stderr).toBe(130);
    const document = result.json<FailureDocument>();
    expect(document.error.code).toBe('CANCELLED');
    expect(document.error.message).toMatch(/exactly as it was before|rolled back/);
    expect(await dump()).toEqual(before);
    expect((await statuses()).find((row) => row.id === document.execution_id)?.status).toBe('failed');
  });

  it("when restore's COMMIT went through but its answer was lost: reported restored", async () => {
    const restoreCommit = (() => {
      let armed = false;
      return (message: { text: string }) => {
        if (message.text.includes('txid_current')) armed = true;
        return armed && /^commit/i.test(message.text);
      };
    })();
    const cut = proxy.onMessage(restoreCommit, 'drop-after');
    const result = await runCli(['restore', '--key', backupKey, '--no-backup', '--yes', '--json'], {
      env: viaProxy,
    });
    await cut;
    expect(result.code, result.stderr).toBe(0);
    const document = result.json<{ success: boolean; execution_id: number }>();
    expect(document.success).toBe(true);
    expect(await db.query(`select name from slow_marks where name = 'written after the backup'`)).toEqual([]);
    expect((await statuses()).find((row) => row.id === document.execution_id)?.status).toBe('completed');
  });

  it('when the database stays unreachable through the ledger retries: says the run committed; the next run marks it interrupted', async () => {
    const cut = proxy.onMessage(
      (message) => message.text.includes('"seeder_executions"') && message.text.includes('"error_stack"'),
      'drop-before',
    );
    // From that moment the database is gone for this process: every session cut, none accepted.
    void cut.then(() => {
      proxy.refuse(true);
      proxy.dropAll();
    });
    const result = await runCli(['run', '--no-backup', '--json'], { env: viaProxy });
    proxy.refuse(false);
    const document = await expectConnectionLost(
      result,
      /during the ledger update: .*itself completed and was committed/,
      { unreachableAtEnd: true },
    );
    const next = await runCli(['run', '--no-backup', '--json'], { env });
    expect(next.code, next.stderr).toBe(0);
    const row = (await statuses()).find((r) => r.id === document.execution_id);
    expect(row?.status).toBe('failed');
    expect(row?.error).toMatch(/^interrupted/);
  });
});
