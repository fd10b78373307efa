import { usingDatabase } from '../../db/open-database.js';
import { resolveTokenSecret } from '../../server/auth/token-secret.js';
import { runApiServer } from '../../server/run-api-server.js';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { outputLogger } from '../output-logger.js';

export interface ServeFlags {
  host?: string;
  port?: number;
}

/** `serve`: the authenticated admin API until SIGTERM / Ctrl-C. Never creates FoodFleet tables. */
export async function serveCommand(ctx: CommandContext, flags: ServeFlags): Promise<void> {
  const { config, production } = loadCommandConfig(ctx, { server: { host: flags.host, port: flags.port } });
  const tokenSecret = resolveTokenSecret(config.server.tokenSecret, production);
  const logger = outputLogger(ctx.out);
  await usingDatabase(config, (database) =>
    runApiServer({
      config,
      production,
      database,
      tokenSecret,
      redact: (text) => ctx.out.redact(text),
      logger,
      stop: ctx.signal,
    }),
  );
}
