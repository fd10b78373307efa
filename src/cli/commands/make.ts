import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { UsageError } from '../../errors.js';
import { seederTemplate } from '../seeder-template.js';

export async function makeCommand(
  ctx: CommandContext,
  name: string,
  flags: { force?: boolean },
): Promise<void> {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    throw new UsageError(
      `"${name}" is not a valid seeder class name: use PascalCase letters and digits, e.g. RestaurantsSeeder.`,
    );
  }
  const className = name.endsWith('Seeder') ? name : `${name}Seeder`;
  // `Seeder` would shadow the base class it extends; a built-in's name would clash on the next run.
  const { builtInSeeders } = await import('../../../seeds/index.js');
  const taken = ['Seeder', ...builtInSeeders().map((seeder) => seeder.name)];
  if (taken.includes(className)) {
    throw new UsageError(
      `"${className}" is taken (${className === 'Seeder' ? 'the base class' : 'a built-in seeder'}); nothing was written. Choose another name, e.g. RestaurantsSeeder.`,
    );
  }
  const { config } = loadCommandConfig(ctx);
  const file = join(config.seeders.dir, `${kebab(className)}.ts`);
  if (existsSync(file) && !flags.force) {
    throw new UsageError(
      `${relative(ctx.cwd, file)} already exists; nothing was written. Pass --force to overwrite it.`,
    );
  }
  await mkdir(config.seeders.dir, { recursive: true });
  await writeFile(file, seederTemplate(className));
  const shown = relative(ctx.cwd, file) || file;
  ctx.out.result(
    { success: true, file: shown, seeder: className },
    () =>
      `Created ${shown}. Edit it (and create its table with a migration of your app), then run: npx foodfleet-seed run --only ${className}`,
  );
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
