import type { Config } from '../config/schema.js';
import type { Database } from './database.js';

/** Opens the configured backend, importing only the driver it needs. */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.database.url) {
    const { openPostgres } = await import('./postgres-database.js');
    return openPostgres({
      url: config.database.url,
      schema: config.database.schema,
      poolSize: config.database.poolSize,
      statementTimeout: config.database.statementTimeout,
      ssl: config.database.ssl,
    });
  }
  const { openEmbedded } = await import('./embedded-database.js');
  return openEmbedded({
    dir: config.database.embedded.dir,
    schema: config.database.schema,
    lockTimeout: config.lockTimeout,
  });
}

/** Opens the database for the duration of `fn` and always closes it. */
export async function usingDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(config);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}
