import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT, tempDir } from './support/index.js';
import type { RunDocument } from './support/documents.js';

const exec = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/**
 * The published package works when installed elsewhere: pack the repository (already built by
 * `npm test`), install the tarball into a fresh project, and seed the embedded default with npx.
 */
describe('the packed package', () => {
  it('installs from its tarball and `npx foodfleet-seed run --json` seeds the embedded default', async () => {
    const packDir = tempDir('foodfleet-pack-');
    // --ignore-scripts: `prepare` would rebuild dist/ while other test files run the CLI from it.
    await exec(npm, ['pack', '--ignore-scripts', '--pack-destination', packDir], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const tarballs = readdirSync(packDir).filter((file) => file.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    const tarball = path.join(packDir, tarballs[0]!);

    const project = tempDir('foodfleet-consumer-');
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
    );
    const env = {
      ...process.env,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    await exec(npm, ['install', '--no-audit', '--no-fund', tarball], {
      cwd: project,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });

    const installed = path.join(project, 'node_modules', 'foodfleet-seed');
    expect(existsSync(path.join(installed, 'bin', 'foodfleet-seed.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist', 'src', 'index.d.ts'))).toBe(true);
    // The pre-initialized embedded data folder ships, built by the PGlite version it installs with.
    expect(existsSync(path.join(installed, 'dist', 'embedded-template', 'pgdata.tar.gz'))).toBe(true);
    const pglite = JSON.parse(
      readFileSync(path.join(project, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(
      readFileSync(path.join(installed, 'dist', 'embedded-template', 'pglite-version.txt'), 'utf8').trim(),
    ).toBe(pglite.version);
    // Only what a user needs: no sources, no tests.
    expect(existsSync(path.join(installed, 'test'))).toBe(false);
    expect(existsSync(path.join(installed, 'src'))).toBe(false);

    const { stdout, stderr } = await exec(npx, ['--no-install', 'foodfleet-seed', 'run', '--json'], {
      cwd: project,
      env: cleanEnv(),
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `npx foodfleet-seed run failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`,
      );
    });
    const doc = JSON.parse(stdout) as RunDocument;
    expect(doc.success, stderr).toBe(true);
    expect(doc.results.total).toEqual({ created: 33, updated: 0, deleted: 0 });
    expect(existsSync(path.join(project, '.foodfleet-seed', 'db'))).toBe(true);

    // A custom .ts seeder in the consumer's ./seeders loads (no build step) against the installed package.
    mkdirSync(path.join(project, 'seeders'));
    writeFileSync(
      path.join(project, 'seeders', 'welcome-seeder.ts'),
      [
        "import { Seeder } from 'foodfleet-seed';",
        "import { Kysely, sql } from 'kysely';",
        'export class WelcomeSeeder extends Seeder {',
        "  readonly name = 'WelcomeSeeder';",
        "  override readonly dependsOn = ['SMSTemplatesSeeder'];",
        '  async run(): Promise<void> {',
        // The seeder's kysely is the one the tool runs on (one copy, even inside the bundle).
        "    if (!(this.db instanceof Kysely)) throw new Error('the seeder sees a second copy of Kysely');",
        '    await sql`select 1`.execute(this.db);',
        "    await this.getOrCreate('sms_templates', { name: 'welcome' }, { body: 'Welcome to FoodFleet, {{name}}!' });",
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const custom = await exec(npx, ['--no-install', 'foodfleet-seed', 'run', '--json'], {
      cwd: project,
      env: cleanEnv(),
    });
    const customDoc = JSON.parse(custom.stdout) as RunDocument;
    expect(customDoc.results.seeders.WelcomeSeeder).toMatchObject({ status: 'completed', created: 1 });
    expect(customDoc.results.total).toEqual({ created: 1, updated: 0, deleted: 0 });

    // Custom seeders type-check against the installed package's declarations, as in a user's editor:
    // the one written above and the scaffold `make` writes.
    await exec(npx, ['--no-install', 'foodfleet-seed', 'make', 'Kitchens'], {
      cwd: project,
      env: cleanEnv(),
    });
    expect(readdirSync(path.join(project, 'seeders')).sort()).toEqual([
      'kitchens-seeder.ts',
      'welcome-seeder.ts',
    ]);
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const typeCheck = [
      '--noEmit',
      '--strict',
      '--noUncheckedIndexedAccess',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
    ];
    await exec(
      process.execPath,
      [tsc, ...typeCheck, 'seeders/kitchens-seeder.ts', 'seeders/welcome-seeder.ts'],
      { cwd: project },
    ).catch((error: { stdout?: string; message: string }) => {
      throw new Error(
        `custom seeders do not type-check against the installed package:\n${error.stdout ?? error.message}`,
      );
    });
    // A type error is caught (so the check above can fail).
    writeFileSync(
      path.join(project, 'seeders', 'typo.ts'),
      "import { Seeder } from 'foodfleet-seed';\nexport class T extends Seeder { readonly name = 'T'; async run() { await this.getOrCreate('no_such_table', {}); } }\n",
    );
    await expect(
      exec(process.execPath, [tsc, ...typeCheck, 'seeders/typo.ts'], { cwd: project }),
    ).rejects.toThrow();
  }, 300_000);
});
