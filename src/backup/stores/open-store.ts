import type { Config } from '../../config/schema.js';
import type { Database } from '../../db/database.js';
import type { BackupStore } from '../store.js';
import type { S3Credentials } from './s3-client.js';

export interface OpenStoreOptions {
  /** Explicit S3 credentials; otherwise the SDK's standard chain (env, profile, SSO, role). */
  credentials?: S3Credentials;
}

export interface OpenedStore {
  store: BackupStore;
  /** Operator-facing warnings about the choice (e.g. backups on the same disk as the database). */
  warnings: string[];
}

/**
 * Chooses the store from the config: S3 when `backup.s3.bucket` is set, else the local folder
 * (`backup.dir`). Each is imported only when chosen, so the AWS SDK loads only for S3.
 * `database` is the one being backed up, or null when none is open (nothing to warn about then).
 */
export async function openStore(
  config: Config,
  database: Pick<Database, 'kind'> | null,
  options: OpenStoreOptions = {},
): Promise<OpenedStore> {
  const s3 = config.backup.s3;
  if (s3?.bucket) {
    const { createS3Store } = await import('./s3-store.js');
    return {
      store: createS3Store(
        { ...s3, prefix: activePrefix(config) },
        options.credentials ? { credentials: options.credentials } : {},
      ),
      warnings: [],
    };
  }
  const { createLocalStore } = await import('./local-store.js');
  const store = createLocalStore(config.backup.dir, { prefix: config.backup.prefix });
  const warnings =
    database && database.kind !== 'embedded'
      ? [
          `Backups go to the local folder ${store.description}: a backup on the same disk is not disaster recovery. ` +
            'Configure backup.s3.bucket (S3_BUCKET_NAME) to keep them off this machine.',
        ]
      : [];
  return { store, warnings };
}

/** The prefix of the store `openStore` would choose: `backup.s3.prefix` on S3, else `backup.prefix`. */
export function activePrefix(config: Pick<Config, 'backup'>): string {
  const s3 = config.backup.s3;
  return s3?.bucket ? (s3.prefix ?? config.backup.prefix) : config.backup.prefix;
}
