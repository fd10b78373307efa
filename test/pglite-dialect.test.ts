import { PGlite } from '@electric-sql/pglite';
import { isAbortedTransactionError, Kysely, sql, type Generated } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PGliteDialect } from '../src/db/pglite/pglite-dialect.js';

interface DB {
  item: { id: Generated<number>; name: string };
  parent: { id: number };
  child: { id: number; parent_id: number };
}

let pglite: PGlite;
let db: Kysely<DB>;

beforeAll(async () => {
  pglite = new PGlite();
  db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  await sql`create table item (id serial primary key, name text not null unique)`.execute(db);
  await sql`create table parent (id int primary key)`.execute(db);
  await sql`
    create table child (
      id int primary key,
      parent_id int not null references parent (id) deferrable initially deferred
    )`.execute(db);
});

afterAll(async () => {
  await db?.destroy();
  await pglite?.close();
});

beforeEach(async () => {
  await sql`truncate item, child, parent restart identity`.execute(db);
});

async function names(): Promise<string[]> {
  const rows = await db.selectFrom('item').select('name').orderBy('name').execute();
  return rows.map((r) => r.name);
}

/** Wraps `promise` with a `settled` flag so a test can assert it is still pending. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

describe('PGliteDialect', () => {
  it('selects, inserts, updates and deletes with numAffectedRows', async () => {
    const inserted = await db
      .insertInto('item')
      .values([{ name: 'a' }, { name: 'b' }])
      .executeTakeFirstOrThrow();
    expect(inserted.numInsertedOrUpdatedRows).toBe(2n);

    const returned = await db.insertInto('item').values({ name: 'c' }).returning(['id', 'name']).execute();
    expect(returned).toEqual([{ id: 3, name: 'c' }]);

    const updated = await db
      .updateTable('item')
      .set({ name: 'z' })
      .where('name', '=', 'a')
      .executeTakeFirstOrThrow();
    expect(updated.numUpdatedRows).toBe(1n);

    const deleted = await db.deleteFrom('item').where('name', 'in', ['b', 'nope']).executeTakeFirstOrThrow();
    expect(deleted.numDeletedRows).toBe(1n);

    expect(await names()).toEqual(['c', 'z']);
    const { rows } = await sql<{ n: number }>`select ${41}::int + 1 as n`.execute(db);
    expect(rows).toEqual([{ n: 42 }]);
  });

  it('commits a transaction and rolls back when the callback throws', async () => {
    const result = await db.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ name: 'committed' }).execute();
      return 'ok';
    });
    expect(result).toBe('ok');

    const boom = new Error('boom');
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('item').values({ name: 'rolled-back' }).execute();
        expect(await trx.selectFrom('item').select('name').execute()).toHaveLength(2);
        throw boom;
      }),
    ).rejects.toBe(boom);

    expect(await names()).toEqual(['committed']);
  });

  it('supports controlled transactions: rollback discards, commit persists', async () => {
    const rolledBack = await db.startTransaction().execute();
    await rolledBack.insertInto('item').values({ name: 'discarded' }).execute();
    await rolledBack.rollback().execute();
    expect(rolledBack.isRolledBack).toBe(true);

    const committed = await db.startTransaction().execute();
    await committed.insertInto('item').values({ name: 'kept' }).execute();
    await committed.commit().execute();
    expect(committed.isCommitted).toBe(true);

    expect(await names()).toEqual(['kept']);
  });

  it('isolates the open transaction: an outside query waits and then runs on its own', async () => {
    const events: string[] = [];
    const trx = await db.startTransaction().execute();
    await trx.insertInto('item').values({ name: 'tx-row' }).execute();

    events.push('outside:issued');
    const outside = track(
      (async () => {
        const seen = await names();
        await db.insertInto('item').values({ name: 'outside-row' }).execute();
        events.push('outside:done');
        return seen;
      })(),
    );

    // Several full round trips on the transaction: had the outside query run in the
    // transaction's session, its row would be visible here and it would have settled.
    for (let i = 0; i < 3; i++) {
      expect((await trx.selectFrom('item').select('name').execute()).map((r) => r.name)).toEqual(['tx-row']);
    }
    expect(outside.settled).toBe(false);

    events.push('tx:rollback');
    await trx.rollback().execute();

    const seenByOutside = await outside.promise;
    expect(seenByOutside).toEqual([]);
    expect(events).toEqual(['outside:issued', 'tx:rollback', 'outside:done']);
    expect(await names()).toEqual(['outside-row']);
  });

  it('serializes concurrent transactions', async () => {
    const events: string[] = [];
    const run = (label: string) =>
      db.transaction().execute(async (trx) => {
        events.push(`${label}:start`);
        const { count } = await trx
          .selectFrom('item')
          .select((eb) => eb.fn.countAll<string>().as('count'))
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('item')
          .values({ name: `${label}-${count}` })
          .execute();
        await trx.selectFrom('item').selectAll().execute();
        events.push(`${label}:end`);
      });

    await Promise.all([run('A'), run('B')]);

    expect(events).toEqual(['A:start', 'A:end', 'B:start', 'B:end']);
    // B saw A's committed row: no lost update.
    expect(await names()).toEqual(['A-0', 'B-1']);
  });

  it('propagates a failing query inside a transaction and rolls the transaction back', async () => {
    await db.insertInto('item').values({ name: 'dup' }).execute();

    const failure = db.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ name: 'before-error' }).execute();
      await trx.insertInto('item').values({ name: 'dup' }).execute();
    });
    await expect(failure).rejects.toMatchObject({ code: '23505' });

    expect(await names()).toEqual(['dup']);
  });

  it('reports an aborted controlled transaction on commit and releases the connection', async () => {
    const trx = await db.startTransaction().execute();
    await trx.insertInto('item').values({ name: 'lost' }).execute();
    await expect(sql`select 1 / 0`.execute(trx)).rejects.toMatchObject({ code: '22012' });

    const commitError = await trx
      .commit()
      .execute()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isAbortedTransactionError(commitError)).toBe(true);
    expect(trx.isRolledBack).toBe(true);

    expect(await names()).toEqual([]);
  });

  it('surfaces an error raised by COMMIT itself (deferred constraint)', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('child').values({ id: 1, parent_id: 99 }).execute();
      }),
    ).rejects.toMatchObject({ code: '23503' });
    expect(await db.selectFrom('child').selectAll().execute()).toEqual([]);

    const trx = await db.startTransaction().execute();
    await trx.insertInto('child').values({ id: 2, parent_id: 99 }).execute();
    await expect(trx.commit().execute()).rejects.toMatchObject({ code: '23503' });
    // Kysely leaves the connection held after a non-abort commit failure; rollback releases it.
    await trx.rollback().execute();

    expect(await db.selectFrom('child').selectAll().execute()).toEqual([]);
  });

  it('honours isolation level and access mode', async () => {
    const level = await db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(
        async (trx) =>
          (
            await sql<{ level: string }>`select current_setting('transaction_isolation') as level`.execute(
              trx,
            )
          ).rows[0]?.level,
      );
    expect(level).toBe('serializable');

    const controlled = await db
      .startTransaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute();
    const { rows } = await sql<{ level: string; ro: string }>`
      select current_setting('transaction_isolation') as level,
             current_setting('transaction_read_only') as ro`.execute(controlled);
    expect(rows).toEqual([{ level: 'repeatable read', ro: 'on' }]);
    await expect(controlled.insertInto('item').values({ name: 'ro' }).execute()).rejects.toMatchObject({
      code: '25006',
    });
    await controlled.rollback().execute();

    await expect(
      db
        .transaction()
        .setAccessMode('read only')
        .execute((trx) => trx.insertInto('item').values({ name: 'ro' }).execute()),
    ).rejects.toMatchObject({ code: '25006' });

    // PostgreSQL has no 'snapshot' level: beginning fails, and the connection is released.
    await expect(
      db
        .transaction()
        .setIsolationLevel('snapshot')
        .execute(async () => 'never'),
    ).rejects.toMatchObject({ code: '42601' });

    // Outside a transaction the session defaults are untouched.
    const after = await sql<{
      level: string;
    }>`select current_setting('transaction_isolation') as level`.execute(db);
    expect(after.rows[0]?.level).toBe('read committed');
    expect(await names()).toEqual([]);
  });

  it('supports savepoints', async () => {
    const trx = await db.startTransaction().execute();
    await trx.insertInto('item').values({ name: 'a' }).execute();
    const sp = await trx.savepoint('sp one').execute();
    await sp.insertInto('item').values({ name: 'b' }).execute();
    const back = await sp.rollbackToSavepoint('sp one').execute();
    await back.insertInto('item').values({ name: 'c' }).execute();
    const sp2 = await back.savepoint('sp2').execute();
    await sp2.insertInto('item').values({ name: 'd' }).execute();
    const released = await sp2.releaseSavepoint('sp2').execute();
    await released.commit().execute();

    expect(await names()).toEqual(['a', 'c', 'd']);
  });

  it('streams (buffered) in chunks', async () => {
    await db
      .insertInto('item')
      .values(['a', 'b', 'c', 'd', 'e'].map((name) => ({ name })))
      .execute();
    const chunks: string[] = [];
    for await (const row of db.selectFrom('item').select('name').orderBy('name').stream(2)) {
      chunks.push(row.name);
    }
    expect(chunks).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('introspects tables through the Postgres introspector', async () => {
    const tables = await db.introspection.getTables();
    expect(tables.map((t) => t.name).sort()).toEqual(['child', 'item', 'parent']);
  });

  it('leaves the PGlite instance usable, including after db.destroy()', async () => {
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);

    const other = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
    await other.insertInto('item').values({ name: 'via-other' }).execute();
    await other.destroy();

    expect(pglite.closed).toBe(false);
    const direct = await pglite.query<{ name: string }>('select name from item');
    expect(direct.rows).toEqual([{ name: 'via-other' }]);
    expect(await names()).toEqual(['via-other']);
  });
});
