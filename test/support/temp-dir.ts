import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const created = new Set<string>();

/**
 * A fresh empty directory under os.tmpdir(), removed after the test file.
 * Call it anywhere (top level, hooks or tests); `cleanup` removes it earlier.
 */
export function tempDir(prefix = 'foodfleet-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** Removes one directory made by tempDir() now instead of after the file. */
async function removeTempDir(dir: string): Promise<void> {
  created.delete(dir);
  await rm(dir, { recursive: true, force: true });
}

// Registered while the test file imports this module (collection time), so it
// runs after that file's own afterAll hooks. Each test file gets a fresh copy
// of this module (isolated forks); the exit hook covers anything left over.
try {
  afterAll(async () => {
    await Promise.all([...created].map((dir) => removeTempDir(dir)));
  });
} catch {
  // imported outside a vitest test file
}
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});
