import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, freshDatabase, runCli, type CliResult, type FreshDatabase } from './support/index.js';
import { canonicalDump, type CanonicalDump } from './support/canonical-dump.js';
import type { FailureDocument, RunDocument } from './support/documents.js';

/**
 * restore, rollback and reset against PostgreSQL + S3 (s3rver), through the CLI: what is
 * restored, what is recorded, the safety backup, confirmation, refusals that change nothing, and
 * failures that roll back.
 */

interface RestoreDocument {
  success: true;
  execution_id: number;
  key: string;
  tables: Record<string, number>;
  safety_backup_key: string | null;
  warnings: string[];
}

interface ShownExecution {
  id: number;
  command: string;
  status: string;
  options: Record<string, unknown>;
  backup: { key: string | null; status: string } | null;
  restored_key: string | null;
}

let db: FreshDatabase;
let env: Record<string, string>;

const dump = (): Promise<CanonicalDump> => canonicalDump((sql, params) => db.query(sql, params));
const cli = (args: string[], extra: Record<string, string | undefined> = {}) =>
  runCli(args, { env: { ...env, ...extra } });

async function ok<T>(args: string[], extra: Record<string, string | undefined> = {}): Promise<T> {
  const result = await cli([...args, '--json'], extra);
  expect(result.code, result.stderr).toBe(0);
  return result.json<T>();
}

async function failed(
  args: string[],
  extra: Record<string, string | undefined> = {},
): Promise<{ result: CliResult; document: FailureDocument }> {
  const result = await cli([...args, '--json'], extra);
  expect(result.code, result.stdout).not.toBe(0);
  const document = result.json<FailureDocument>();
  expect(document.error.message).not.toMatch(/\n/);
  return { result, document };
}

const takeBackup = () =>
  ok<{ key: string; execution_id: number; tables: Record<string, number> }>(['backup']);
const show = (id: number) => ok<ShownExecution>(['show', String(id)]);
const executionCount = async () =>
  Number((await db.query<{ n: string }>('select count(*) as n from seeder_executions'))[0]?.n);

beforeAll(async () => {
  db = await freshDatabase('restore');
  const bucket = await createBucket('restore');
  env = { DATABASE_URL: db.url, ...bucket.env };
  await ok<RunDocument>(['run', '--no-backup']);
  // An application table with a self-reference, a foreign key into the seeded tables and a
  // trigger that would rewrite restored rows if it fired.
  await db.query(`create table notes (
    id bigserial primary key,
    parent_id bigint references notes(id),
    author_id int references users(id),
    body text not null,
    touched int not null default 0)`);
  await db.query(
    `create function bump() returns trigger language plpgsql as $$ begin new.touched := new.touched + 1; return new; end $$`,
  );
  await db.query(`create trigger notes_bump before insert on notes for each row execute function bump()`);
  await db.query(
    `insert into notes (parent_id, author_id, body) values (null, (select min(id) from users), 'root')`,
  );
  await db.query(`insert into notes (parent_id, author_id, body) select id, author_id, 'child' from notes`);
});

afterAll(async () => {
  await db?.close();
});

describe('confirmation', () => {
  it.each([['restore'], ['reset'], ['rollback']])(
    '%s without --yes and without a terminal exits 2 and changes nothing',
    async (command) => {
      const before = await dump();
      const executions = await executionCount();
      const { result, document } = await failed([command]);
      expect(result.code).toBe(2);
      expect(document.error.code).toBe('CONFIRMATION_REQUIRED');
      expect(document.error.message).toMatch(/--yes/);
      expect(await dump()).toEqual(before);
      expect(await executionCount()).toBe(executions);
    },
  );
});

describe('restore', () => {
  let backup: { key: string; execution_id: number; tables: Record<string, number> };
  let atBackup: CanonicalDump;
  let mutated: CanonicalDump;
  let first: RestoreDocument;

  beforeAll(async () => {
    backup = await takeBackup();
    atBackup = await dump();
    await db.query(`delete from notes where body = 'child'`);
    await db.query(`update roles set description = 'changed' where name = 'customer'`);
    await db.query(`insert into sms_templates (name, body) values ('later', 'added after the backup')`);
    mutated = await dump();
    first = await ok<RestoreDocument>(['restore', '--yes']);
  });

  it('restores the latest backup exactly: rows, sequences, keys and triggers', async () => {
    expect(first.key).toBe(backup.key);
    expect(first.tables).toEqual(backup.tables);
    expect(await dump()).toEqual(atBackup);
  });

  it('prints {execution_id, key, tables, safety_backup_key} and records the execution', async () => {
    expect(first).toMatchObject({ success: true, key: backup.key });
    expect(first.safety_backup_key).toMatch(/^database-backups\/\d{8}_\d{6}_execution_\d+\.json\.gz$/);
    const execution = await show(first.execution_id);
    expect(execution).toMatchObject({ command: 'restore', status: 'completed', restored_key: backup.key });
    expect(execution.backup).toMatchObject({ key: first.safety_backup_key, status: 'completed' });
  });

  it('a repeated restore restores the same backup again: a safety backup is never "latest"', async () => {
    await db.query(`update roles set description = 'changed again' where name = 'customer'`);
    const again = await ok<RestoreDocument>(['restore', '--yes']);
    expect(again.key).toBe(backup.key);
    expect(await dump()).toEqual(atBackup);
  });

  it('rollback <restore execution> undoes the restore', async () => {
    const rolled = await ok<RestoreDocument & { rolled_back_execution_id: number }>([
      'rollback',
      String(first.execution_id),
      '--yes',
    ]);
    expect(rolled.key).toBe(first.safety_backup_key);
    expect(rolled.rolled_back_execution_id).toBe(first.execution_id);
    expect(await dump()).toEqual(mutated);
    expect((await show(rolled.execution_id)).command).toBe('rollback');
  });

  it('--key and --execution pick a specific backup', async () => {
    const byKey = await ok<RestoreDocument>(['restore', '--key', backup.key, '--yes', '--no-backup']);
    expect(byKey.key).toBe(backup.key);
    expect(byKey.safety_backup_key).toBeNull();
    expect((await show(byKey.execution_id)).backup).toMatchObject({ key: null, status: 'skipped' });
    expect(await dump()).toEqual(atBackup);

    await db.query(`update roles set description = 'changed once more' where name = 'customer'`);
    const byExecution = await ok<RestoreDocument>([
      'restore',
      '--execution',
      String(backup.execution_id),
      '--yes',
    ]);
    expect(byExecution.key).toBe(backup.key);
    expect(await dump()).toEqual(atBackup);
  });

  it('leaves sequences where an insert without an id continues after the restored rows', async () => {
    const [{ max } = { max: '0' }] = await db.query<{ max: string }>(
      'select max(id)::text as max from notes',
    );
    const [{ id } = { id: '0' }] = await db.query<{ id: string }>(
      `insert into notes (body) values ('after restore') returning id::text`,
    );
    expect(BigInt(id)).toBeGreaterThan(BigInt(max));
    await db.query(`delete from notes where body = 'after restore'`);
  });

  it('emits restore_started and restore_completed with --log-format json', async () => {
    const result = await cli(['restore', '--yes', '--no-backup', '--log-format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const events = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; key?: string });
    const names = events.map((e) => e.event);
    expect(names).toContain('restore_started');
    expect(names).toContain('restore_completed');
    expect(events.find((e) => e.event === 'restore_completed')?.key).toBe(backup.key);
  });
});

describe('emptying the tables before the load', () => {
  it('a soft-delete rule (ON DELETE DO INSTEAD) and a user ON DELETE trigger change nothing: the rows are the backup’s', async () => {
    // Restore empties small tables with DELETE (cheaper than TRUNCATE's new files): a rule would
    // turn that DELETE into an UPDATE, and a trigger would write elsewhere (here, outside the backup).
    await db.query(`create schema audit`);
    await db.query(`create table audit.deletions (item_id int)`);
    await db.query(
      `create function audit_delete() returns trigger language plpgsql as $$ begin insert into audit.deletions values (old.id); return old; end $$`,
    );
    await db.query(`create table audited_items (id int primary key, label text not null)`);
    await db.query(
      `create trigger audited_items_delete after delete on audited_items for each row execute function audit_delete()`,
    );
    await db.query(
      `create table soft_items (id int primary key, label text not null, deleted boolean not null default false)`,
    );
    await db.query(
      `create rule soft_delete as on delete to soft_items do instead update soft_items set deleted = true where id = old.id`,
    );
    try {
      await db.query(`insert into audited_items values (1, 'x'), (2, 'y')`);
      await db.query(`insert into soft_items (id, label) values (1, 'a'), (2, 'b')`);
      const backup = await takeBackup();
      const atBackup = await dump();
      await db.query(`insert into audited_items values (3, 'z')`);
      await db.query(`update soft_items set label = 'changed' where id = 1`);
      await db.query(`insert into soft_items (id, label) values (3, 'c')`);

      await ok<RestoreDocument>(['restore', '--key', backup.key, '--yes', '--no-backup']);
      expect(await dump()).toEqual(atBackup);
      expect(await db.query('select * from audit.deletions')).toEqual([]);
    } finally {
      await db.query('drop table soft_items, audited_items');
      await db.query('drop function audit_delete');
      await db.query('drop schema audit cascade');
    }
  });
});

describe('schema changes since the backup', () => {
  let backup: { key: string };

  beforeAll(async () => {
    backup = await takeBackup();
  });

  it('refuses, by name, a NOT NULL column without a default that the backup lacks — nothing changed', async () => {
    await db.query(`alter table roles add column rank int`);
    await db.query(`update roles set rank = 1`);
    await db.query(`alter table roles alter column rank set not null`);
    const before = await dump();
    const { result, document } = await failed(['restore', '--key', backup.key, '--yes']);
    expect(result.code).toBe(1);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toContain('column "roles"."rank" is NOT NULL without a default');
    expect(document.error.message).toContain('Nothing was changed');
    expect(await dump()).toEqual(before);
  });

  it('fills other new columns with their defaults, and says so', async () => {
    await db.query(`alter table roles alter column rank set default 7`);
    const restored = await ok<RestoreDocument>(['restore', '--key', backup.key, '--yes', '--no-backup']);
    expect(restored.warnings.join('\n')).toContain(
      'column "roles"."rank" is not in the backup: restored rows take its default',
    );
    const ranks = await db.query<{ rank: number }>('select distinct rank from roles');
    expect(ranks).toEqual([{ rank: 7 }]);
    await db.query('alter table roles drop column rank');
  });
});

describe('a restore that fails midway', () => {
  it('rolls back on a constraint violation in the last table: the data is exactly as before', async () => {
    await db.query(`create table zz_last (id int primary key, v int not null)`);
    await db.query(`insert into zz_last values (1, 500)`);
    const { key } = await takeBackup();
    await db.query(`delete from zz_last`);
    await db.query(`alter table zz_last add constraint zz_small check (v < 100)`);
    await db.query(`update roles set description = 'must survive' where name = 'customer'`);
    await db.query(`insert into zz_last values (2, 5)`);
    const before = await dump();
    const { document, result } = await failed(['restore', '--key', key, '--yes', '--log-format', 'json']);
    expect(document.error.code).toBe('RESTORE_FAILED');
    expect(document.error.message).toMatch(/zz_small/);
    expect(document.error.message).toMatch(/rolled back: the database is exactly as it was before/);
    expect(result.stderr).toMatch(/"event":"restore_failed"/);
    expect(await dump()).toEqual(before);
    await db.query('drop table zz_last');
  });
});

describe('an unreachable store', () => {
  it('fails clearly with nothing changed when S3 refuses connections', async () => {
    const before = await dump();
    const { document } = await failed(['restore', '--yes'], {
      S3_ENDPOINT: 'http://127.0.0.1:1',
      S3_TIMEOUT: '5',
    });
    expect(document.error.message).toMatch(/Nothing was (read or )?changed|nothing was changed/i);
    expect(await dump()).toEqual(before);
  });

  it('fails clearly with nothing changed when the bucket does not exist', async () => {
    const before = await dump();
    const { document } = await failed(['restore', '--yes'], { S3_BUCKET_NAME: 'no-such-bucket-here' });
    expect(document.error.message).toMatch(/no-such-bucket-here/);
    expect(await dump()).toEqual(before);
  });
});

describe('reset', () => {
  it("backs up, empties the seeders' tables and reseeds in one transaction; rollback brings the old rows back", async () => {
    await db.query(`delete from notes`);
    await db.query(
      `insert into permissions (name, resource, action) values ('custom:thing', 'custom', 'thing')`,
    );
    const before = await dump();
    const reset = await ok<RunDocument & { backup_created: boolean; backup_s3_key: string | null }>([
      'reset',
      '--yes',
    ]);
    expect(reset.success).toBe(true);
    expect(reset.backup_created).toBe(true);
    expect(reset.results.total.created).toBe(33);
    expect(await db.query(`select 1 from permissions where name = 'custom:thing'`)).toEqual([]);
    expect((await show(reset.execution_id)).command).toBe('reset');

    const rolled = await ok<RestoreDocument>(['rollback', '--yes']);
    expect(rolled.key).toBe(reset.backup_s3_key);
    expect(await dump()).toEqual(before);
  });

  it('refuses, naming them, when rows in other tables reference those tables; --cascade empties them too', async () => {
    await db.query(
      `insert into notes (author_id, body) values ((select min(id) from users), 'references a user')`,
    );
    const before = await dump();
    const { document } = await failed(['reset', '--yes']);
    expect(document.error.message).toMatch(/notes \(1 row → users, notes_author_id_fkey\)/);
    expect(document.error.message).toMatch(/Nothing was changed/);
    expect(document.error.message).toMatch(/--cascade/);
    expect(await dump()).toEqual(before);

    const cascaded = await ok<RunDocument>(['reset', '--yes', '--cascade']);
    expect(cascaded.warnings.join('\n')).toMatch(/--cascade: notes/);
    expect(await db.query('select 1 from notes')).toEqual([]);
  });

  it('reports the rows it emptied: per table under results.emptied, summed into total.deleted', async () => {
    const counted = async () => {
      const rows = await db.query<{ table: string; n: string }>(
        `select 'permissions' as table, count(*)::text as n from permissions
         union all select 'roles', count(*)::text from roles
         union all select 'role_permissions', count(*)::text from role_permissions
         union all select 'users', count(*)::text from users
         union all select 'user_roles', count(*)::text from user_roles
         union all select 'sms_templates', count(*)::text from sms_templates`,
      );
      return Object.fromEntries(rows.map((r) => [r.table, Number(r.n)]));
    };
    await db.query(`delete from notes`);
    await db.query(`insert into sms_templates (name, body) values ('extra_one', 'x'), ('extra_two', 'y')`);
    const before = await counted();
    const reset = await ok<RunDocument & { results: { emptied?: Record<string, number> } }>([
      'reset',
      '--yes',
      '--no-backup',
    ]);
    expect(reset.results.emptied).toEqual(before);
    const emptiedRows = Object.values(before).reduce((sum, n) => sum + n, 0);
    expect(reset.results.total.deleted).toBe(emptiedRows);
    expect(reset.results.total.created).toBe(33);
  });

  it('empties and reseeds when other tables only hold rows that reference nothing', async () => {
    await db.query(`insert into notes (author_id, body) values (null, 'references nobody')`);
    const keys = (await dump()).foreignKeys;
    await ok<RunDocument>(['reset', '--yes', '--no-backup']);
    expect((await dump()).foreignKeys).toEqual(keys);
    expect(await db.query(`select body from notes`)).toEqual([{ body: 'references nobody' }]);
  });
});

describe('several schemas sharing one store', () => {
  it('"latest" is chosen among backups of the live schema, even when another schema backed up later', async () => {
    const mine = await takeBackup();
    await db.query('create schema if not exists other_app');
    await db.query('create table if not exists other_app.things (id int primary key, label text)');
    const theirs = await ok<{ key: string }>(['backup'], { DATABASE_SCHEMA: 'other_app' });
    expect(theirs.key).not.toBe(mine.key);
    const restored = await ok<{ key: string }>(['restore', '--yes', '--no-backup']);
    expect(restored.key).toBe(mine.key);
  });
});
