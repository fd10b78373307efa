import { createReadStream, readFileSync } from 'node:fs';
import { readBackup } from './dist/src/backup/restore/read-backup.js';
import { copyTextLine } from './dist/src/backup/restore/copy-text.js';
const key = process.argv[2];
const manifest = JSON.parse(readFileSync(key + '.manifest.json', 'utf8'));
let t0 = Date.now(); let rows = 0; let bytes = 0;
for await (const e of readBackup(createReadStream(key), manifest)) { if (e.kind === 'rows') { rows += e.rows.length; if (process.argv[3]) for (const r of e.rows) bytes += copyTextLine(r).length; } }
console.log('read', rows, 'rows in', Date.now() - t0, 'ms', bytes);
