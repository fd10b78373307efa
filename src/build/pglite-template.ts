import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import {
  installedPGliteVersion,
  TEMPLATE_ARCHIVE,
  TEMPLATE_VERSION_FILE,
} from '../db/pglite/data-dir-template.js';

/**
 * `npm run build` step: writes the pre-initialized PGlite data directory the embedded default
 * starts from (see data-dir-template.ts). PGlite itself initializes a folder the same way — initdb
 * in memory, then the files copied out — so the template is exactly what `initdb` would leave.
 * Skipped when a template of the installed PGlite version is already there.
 */
async function buildTemplate(): Promise<void> {
  const version = await installedPGliteVersion();
  const built = await readFile(TEMPLATE_VERSION_FILE, 'utf8').catch(() => '');
  if (built.trim() === version) return;
  const pglite = await PGlite.create();
  let tar: Uint8Array;
  try {
    tar = new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer());
  } finally {
    await pglite.close();
  }
  await mkdir(dirname(TEMPLATE_ARCHIVE), { recursive: true });
  // Written under a temporary name first: an interrupted build never leaves a truncated template.
  await writeFile(`${TEMPLATE_ARCHIVE}.tmp`, gzipSync(tar, { level: 9 }));
  await rename(`${TEMPLATE_ARCHIVE}.tmp`, TEMPLATE_ARCHIVE);
  await writeFile(TEMPLATE_VERSION_FILE, `${version}\n`);
  console.log(`embedded data directory template for PGlite ${version}: ${TEMPLATE_ARCHIVE}`);
}

await buildTemplate();
