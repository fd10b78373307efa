import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { packageRoot } from '../package-root.js';

/**
 * `npm run build` step: bundles the compiled code (dist/src) into dist/bundle/, which the bin and
 * the package's main export load. Node spends most of a short command resolving and compiling
 * ≈ 600 small modules (Kysely alone is 263); the bundle is a few files, and each command's code is
 * still a chunk of its own, loaded only when that command runs.
 *
 * Left out (loaded from node_modules at run time): PGlite (it finds its .wasm and data files beside
 * its own code), the AWS SDK (large, and only S3 and CloudWatch users load it), jiti.
 */
const EXTERNAL = ['@electric-sql/pglite', '@aws-sdk/*', 'jiti', 'pg-native'];

async function bundle(): Promise<void> {
  const root = packageRoot();
  const compiled = join(root, 'dist', 'src');
  const outdir = join(root, 'dist', 'bundle');
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: {
      cli: join(compiled, 'cli', 'main.js'),
      index: join(compiled, 'index.js'),
      kysely: join(compiled, 'build', 'kysely-entry.js'),
    },
    outdir,
    bundle: true,
    // One module graph for all three entries: the CLI, a custom seeder's 'foodfleet-seed' and its
    // 'kysely' share the same Seeder class and the same Kysely.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // CommonJS dependencies (pg, stream-json) require Node's built-ins: give every chunk a require.
    banner: {
      js: "import { createRequire as __foodfleetRequire } from 'node:module'; const require = __foodfleetRequire(import.meta.url);",
    },
    plugins: [bundleEntries(compiled), nodeOnlyPg()],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  console.log(`bundle: ${outdir}`);
}

/** Swaps public-entries.js for its bundle twin, which points at the bundle's own entries. */
function bundleEntries(compiled: string): Plugin {
  return {
    name: 'bundle-entries',
    setup(on) {
      on.onResolve({ filter: /[/\\]public-entries\.js$/ }, () => ({
        path: join(compiled, 'build', 'bundle-entries.js'),
      }));
    },
  };
}

/**
 * pg asks at load time whether it runs on Cloudflare Workers by constructing a `Response`, which
 * on Node 20 loads the whole undici HTTP client (≈ 15 ms) into every command. This tool only runs
 * on Node. If pg's code changes shape, the patch is skipped with a warning: it only saves time.
 */
function nodeOnlyPg(): Plugin {
  const probe = 'function isCloudflareRuntime() {';
  return {
    name: 'node-only-pg',
    setup(on) {
      on.onLoad({ filter: /[/\\]pg[/\\]lib[/\\]stream\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(probe)) {
          return {
            contents: source,
            loader: 'js',
            warnings: [{ text: 'pg/lib/stream.js changed: not patched' }],
          };
        }
        return { contents: source.replace(probe, `${probe}\n  return false;`), loader: 'js' };
      });
    },
  };
}

await bundle();
