import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PASSWORD,
  SUPERADMIN_EMAIL,
  seedWithCli,
  startApi,
  type ApiHarness,
} from './server-harness.js';
import type { FailureDocument } from './support/documents.js';
import { createBucket, freshDatabase, runCli, s3Client, type FreshDatabase } from './support/index.js';

/**
 * What restore refuses before it touches anything, and what it records when it refuses: keys
 * outside the active prefix (CLI and API), a manifest that names another key, an unknown key —
 * each leaves the data as it was, and every authorized API refusal after parsing is in the ledger.
 */

let db: FreshDatabase;
let env: Record<string, string>;
let bucket: string;
let api: ApiHarness;
let token: string;
let backupKey: string;

const UNREACHABLE = 'postgres://nobody@127.0.0.1:1/none';

type LedgerRow = {
  command: string;
  status: string;
  user_id: number | null;
  error_message: string | null;
};

/** Copies a backup and its manifest (unchanged, so the manifest still names `from`) to `to`. */
async function copyBackup(from: string, to: string): Promise<void> {
  const client = s3Client();
  try {
    for (const suffix of ['', '.manifest.json']) {
      await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          CopySource: `${bucket}/${from}${suffix}`,
          Key: `${to}${suffix}`,
        }),
      );
    }
  } finally {
    client.destroy();
  }
}

const ledger = () =>
  db.query<LedgerRow & { id: number }>(
    'select id, command, status, user_id, error_message from seeder_executions order by id',
  );

beforeAll(async () => {
  db = await freshDatabase('restore-guards');
  const created = await createBucket('restore-guards');
  bucket = created.name;
  env = { DATABASE_URL: db.url, ...created.env };
  await seedWithCli(db, env);
  const backup = await runCli(['backup', '--json'], { env });
  expect(backup.code, backup.stderr).toBe(0);
  backupKey = backup.json<{ key: string }>().key;
  // The in-process API reads credentials through the SDK's standard chain, as `serve` does.
  process.env.AWS_ACCESS_KEY_ID = created.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = created.env.AWS_SECRET_ACCESS_KEY;
  api = await startApi({ db, env: { ...created.env } });
  token = await api.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD);
});

afterAll(async () => {
  await api?.close();
  await db?.close();
});

describe('keys outside the active prefix', () => {
  it('CLI restore refuses a path-like key with exit 2 before opening the database', async () => {
    const result = await runCli(['restore', '--key', '../../etc/passwd', '--yes', '--json'], {
      env: { ...env, DATABASE_URL: UNREACHABLE },
    });
    expect(result.code, result.stderr).toBe(2);
    const document = result.json<FailureDocument>();
    expect(document.error.code).toBe('USAGE');
    expect(document.error.message).toMatch(/outside the backup prefix "database-backups\/"/);
    expect(document.error.message).toMatch(/Nothing was read or changed/);
  });

  it('CLI restore refuses a key of another prefix; with that prefix set the key is accepted and checked', async () => {
    const other = `elsewhere/${backupKey.slice('database-backups/'.length)}`;
    await copyBackup(backupKey, other);
    const refused = await runCli(['restore', '--key', other, '--yes', '--json'], { env });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.json<FailureDocument>().error.message).toMatch(/set that prefix for this command/);
    // The copied manifest still names the original key: with the prefix set, the key is accepted
    // and the mismatch is what refuses it — a backup that cannot be trusted, not a usage error.
    const mismatch = await runCli(['restore', '--key', other, '--yes', '--json'], {
      env: { ...env, S3_PREFIX: 'elsewhere/' },
    });
    expect(mismatch.code, mismatch.stderr).toBe(1);
    expect(mismatch.json<FailureDocument>().error).toMatchObject({ code: 'BACKUP_INVALID' });
  });

  it('backups verify refuses a key outside the prefix with exit 2', async () => {
    const result = await runCli(['backups', 'verify', '--key', 'other/20260101_000000_execution_1.json.gz'], {
      env,
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/outside the backup prefix/);
  });

  it('API restore answers 400 for a key outside the prefix and records nothing', async () => {
    const before = await ledger();
    const response = await api.request('POST', '/api/v1/seeders/restore', {
      token,
      body: { s3_key: '../database-backups/x.json.gz' },
    });
    expect(response.status, response.text).toBe(400);
    expect(response.body.detail).toMatch(/outside the backup prefix/);
    expect(await ledger()).toEqual(before);
  });
});

describe('refusals after authorization are in the audit trail', () => {
  it('an unknown key: 404 and a failed restore execution with the reason', async () => {
    const key = 'database-backups/20200101_000000_execution_987654.json.gz';
    const response = await api.request('POST', '/api/v1/seeders/restore', { token, body: { s3_key: key } });
    expect(response.status, response.text).toBe(404);
    expect(response.body.detail).toContain(key);
    const row = (await ledger()).at(-1);
    expect(row).toMatchObject({ command: 'restore', status: 'failed', user_id: 1 });
    expect(row?.error_message).toContain(key);
    expect(response.body.execution_id).toBe(row?.id);
  });

  it('a manifest that names another key: 422 and a failed restore execution', async () => {
    const key = backupKey.replace(/_execution_\d+/, '_execution_424242');
    await copyBackup(backupKey, key);
    const response = await api.request('POST', '/api/v1/seeders/restore', { token, body: { s3_key: key } });
    expect(response.status, response.text).toBe(422);
    expect(response.body.detail).toMatch(/manifest describes another key/);
    expect((await ledger()).at(-1)).toMatchObject({ command: 'restore', status: 'failed', user_id: 1 });
  });
});

describe('API wording', () => {
  it('a reset without a backup says create_backup was false, not the CLI flag', async () => {
    const response = await api.request('POST', '/api/v1/seeders/reset', {
      token,
      body: { create_backup: false },
    });
    expect(response.status, response.text).toBe(200);
    const warnings: string[] = response.body.warnings;
    expect(warnings.some((w) => /create_backup was false/.test(w))).toBe(true);
    expect(warnings.join(' ')).not.toMatch(/--no-backup/);
  });
});
