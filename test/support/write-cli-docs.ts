import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_DOCS_PATH, renderCliDocs } from './cli-docs.js';

/** `npm run docs:cli` (after a build): regenerates docs/cli.md from the built commander program. */
const root = fileURLToPath(new URL('../..', import.meta.url));
writeFileSync(path.join(root, CLI_DOCS_PATH), await renderCliDocs());
console.log(`Wrote ${CLI_DOCS_PATH}`);
