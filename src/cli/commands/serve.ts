import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { usingDatabase } from '../../db/open-database.js';
import { resolveTokenSecret } from '../../server/auth/token-secret.js';
import { outputLogger } from '../../server/output-logger.js';
import { runApiServer } from '../../server/run-api-server.js';

export interface ServeFlags {
  host?: string;
  port?: number;
}

/** `serve`: the authenticated admin API until SIGTERM / Ctrl-C. Never creates FoodFleet tables. */
export async function serveCommand(ctx: CommandContext, flags: ServeFlags): Promise<void> {
  const { config, production } = loadCommandConfig(ctx, { server: { host: flags.host, port: flags.port } });
  const tokenSecret = resolveTokenSecret(config.server.tokenSecret, production);
  // A server logs lines; spinners (used by the backup progress on a terminal) would garble them.
  ctx.out.interactive = false;
  const logger = outputLogger(ctx.out);
  await usingDatabase(config, (database) =>
    runApiServer({ config, production, database, tokenSecret, out: ctx.out, logger, stop: ctx.signal }),
  );
}
