import { OperationError } from '../../errors.js';

/**
 * A store refused to create `key` because an object already holds it: stores create objects and
 * never replace them, so a backup of one database can never overwrite another's. Whoever picked
 * the key picks another (take-backup gives it a disambiguating suffix).
 */
export class KeyTakenError extends OperationError {
  readonly key: string;

  constructor(key: string, where: string) {
    super(
      'BACKUP_FAILED',
      `${key} already exists in ${where} and is never replaced; nothing was written under this key.`,
    );
    this.key = key;
  }
}
