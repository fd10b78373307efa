import { Hono } from 'hono';
import { NotFoundError } from '../../errors.js';
import type { ExecutionDocument } from '../../tracking/execution-document.js';
import { principalOf, type AppEnv } from '../app-env.js';
import { authenticate, requirePermission, type AuthenticateDeps } from '../auth/authenticate.js';
import { parseInput, readJsonBody, readQuery } from '../input.js';
import type { Operations, RestoreTarget } from '../operations.js';
import {
  backupBody,
  backupsQuery,
  executeBody,
  executionIdParam,
  listQuery,
  resetBody,
  restoreBody,
  type RestoreBody,
} from '../schemas.js';

export interface SeederRouteDeps extends AuthenticateDeps {
  operations: Operations;
}

/** The guide's seeder endpoints under `/api/v1/seeders`, each behind its permission. */
export function seederRoutes(deps: SeederRouteDeps): Hono<AppEnv> {
  const { operations, users } = deps;
  const canExecute = requirePermission(users, 'seeders:execute');
  const canRead = requirePermission(users, 'seeders:read');
  return (
    new Hono<AppEnv>()
      .use('*', authenticate(deps))
      .post('/execute', canExecute, async (c) => {
        const body = await readJsonBody(c, executeBody);
        return c.json(
          await operations.execute({ userId: principalOf(c).userId }, { createBackup: body.create_backup }),
        );
      })
      .post('/reset', canExecute, async (c) => {
        const body = await readJsonBody(c, resetBody);
        return c.json(
          await operations.reset(
            { userId: principalOf(c).userId },
            { createBackup: body.create_backup, cascade: body.cascade },
          ),
        );
      })
      .post('/restore', canExecute, async (c) => {
        const body = await readJsonBody(c, restoreBody);
        return c.json(
          await operations.restore({ userId: principalOf(c).userId }, restoreTarget(body), {
            createBackup: body.create_backup,
          }),
        );
      })
      .post('/backup', canExecute, async (c) => {
        await readJsonBody(c, backupBody);
        const result = await operations.backup({ userId: principalOf(c).userId });
        const { execution_id, key, size, sha256, tables, warnings } = result;
        return c.json({ success: true, execution_id, key, size, sha256, tables, warnings });
      })
      // Before `/:id`, which would take "backups" for an execution id.
      .get('/backups', canRead, async (c) => {
        const { skip, limit } = readQuery(c, backupsQuery);
        const page = await operations.backups(skip, limit);
        return c.json({ items: page.items, total: page.total, skip, limit });
      })
      .get('/', canRead, async (c) => {
        const { skip, limit } = readQuery(c, listQuery);
        const page = await operations.list(skip, limit);
        return c.json({ items: page.items.map(withoutStack), total: page.total, skip, limit });
      })
      .get('/:id', canRead, async (c) => {
        const { id } = parseInput(executionIdParam, c.req.param(), 'path');
        const execution = await operations.get(id);
        if (!execution)
          throw new NotFoundError(
            `Execution #${id} does not exist. GET /api/v1/seeders/ lists the recorded ones.`,
          );
        return c.json(withoutStack(execution));
      })
  );
}

/** `{}` → latest; the guide's `s3_key` is a key in whichever store is configured. */
function restoreTarget(body: RestoreBody): RestoreTarget {
  return { key: body.s3_key, executionId: body.execution_id };
}

/** Stack traces stay in the database and the CLI (`show`): the API never sends one. */
function withoutStack(execution: ExecutionDocument): ExecutionDocument {
  return execution.error
    ? { ...execution, error: { message: execution.error.message, stack: null } }
    : execution;
}
