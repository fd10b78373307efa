import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import { readEnvironment } from './env.js';
import { deepMerge, type PlainObject } from './merge.js';

export interface LoadConfigOptions {
  /** `--config`; when absent `./seedrc.json` is used if present. */
  configPath?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Values from command-line flags, already shaped like the config. */
  flags?: PlainObject;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  /** Where the file came from, if any (for messages). */
  file: string | null;
  /** True when NODE_ENV=production. */
  production: boolean;
}

/** seedrc.json, overlaid by environment, then by flags; validated once, reporting every problem. */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const file = resolveConfigFile(options.configPath, options.cwd);
  const fromFile = file ? readConfigFile(file) : {};
  const { values: fromEnv, problems: envProblems } = readEnvironment(options.env);
  const merged = deepMerge(deepMerge(fromFile, fromEnv), options.flags ?? {});
  const parsed = configSchema.safeParse(merged);
  const problems = [...envProblems, ...(parsed.success ? [] : formatIssues(parsed.error.issues))];
  if (problems.length > 0 || !parsed.success) {
    const where = file ? ` (file: ${file}, overlaid by environment and flags)` : '';
    throw new ConfigError(
      `Invalid configuration${where} — nothing was changed. Fix these and retry:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
      problems,
    );
  }
  const config = resolvePaths(parsed.data, options.cwd);
  return { config: Object.freeze(config), file, production: options.env.NODE_ENV === 'production' };
}

function resolveConfigFile(configPath: string | undefined, cwd: string): string | null {
  if (configPath) {
    const path = resolve(cwd, configPath);
    if (!existsSync(path))
      throw new ConfigError(`Config file not found: ${path} (from --config). Nothing was changed.`, [
        `--config: file not found: ${path}`,
      ]);
    return path;
  }
  const fallback = resolve(cwd, 'seedrc.json');
  return existsSync(fallback) ? fallback : null;
}

function readConfigFile(path: string): PlainObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Cannot read config file ${path}: ${(error as Error).message}. Nothing was changed.`,
      [],
      { cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `Config file ${path} is not valid JSON: ${(error as Error).message}. Nothing was changed.`,
      [`(file): ${(error as Error).message}`],
      { cause: error },
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`Config file ${path} must hold a JSON object. Nothing was changed.`, [
      '(root): expected an object',
    ]);
  }
  return value as PlainObject;
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${path === '(root)' ? key : `${path}.${key}`}: unknown key`);
    }
    return [`${path}: ${issue.message}`];
  });
}

function resolvePaths(config: Config, cwd: string): Config {
  return {
    ...config,
    database: { ...config.database, embedded: { dir: resolve(cwd, config.database.embedded.dir) } },
    seeders: { dir: resolve(cwd, config.seeders.dir) },
    backup: { ...config.backup, dir: resolve(cwd, config.backup.dir) },
  };
}
