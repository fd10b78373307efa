import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, freshDatabase, s3Client, tempDir, type FreshDatabase } from './support/index.js';

describe('test infrastructure', () => {
  let db: FreshDatabase;
  let s3: S3Client;

  beforeAll(async () => {
    db = await freshDatabase('infra');
    s3 = s3Client();
  });

  afterAll(async () => {
    s3?.destroy();
    await db?.close();
  });

  it('gives each test file its own PostgreSQL database', async () => {
    expect(db.name).toMatch(/^ffs_infra_[0-9a-f]{10}$/);
    await db.query('CREATE TABLE meals (id serial PRIMARY KEY, name text NOT NULL)');
    await db.query('INSERT INTO meals (name) VALUES ($1), ($2)', ['soup', 'crème brûlée']);
    const rows = await db.query<{ name: string }>('SELECT name FROM meals ORDER BY id');
    expect(rows.map((row) => row.name)).toEqual(['soup', 'crème brûlée']);
    const [info] = await db.query<{ db: string }>('SELECT current_database() AS db');
    expect(info?.db).toBe(db.name);
  });

  it('drops the database on close', async () => {
    const other = await freshDatabase();
    await other.close();
    const rows = await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [other.name]);
    expect(rows).toEqual([]);
  });

  it('serves S3 buckets, including paginated ListObjectsV2 (DES continuation tokens)', async () => {
    const bucket = await createBucket('infra');
    expect(bucket.env).toMatchObject({ S3_BUCKET_NAME: bucket.name, S3_FORCE_PATH_STYLE: 'true' });
    expect(bucket.env.S3_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    for (const key of ['backups/a.dump', 'backups/b.dump', 'backups/c.dump']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: `contents of ${key}` }));
    }
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket.name,
          Prefix: 'backups/',
          MaxKeys: 1,
          ContinuationToken: token,
        }),
      );
      keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.NextContinuationToken;
      pages += 1;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(keys).toEqual(['backups/a.dump', 'backups/b.dump', 'backups/c.dump']);
  });

  it('makes temp dirs', () => {
    const dir = tempDir();
    expect(existsSync(dir)).toBe(true);
  });
});
