// Runs one measured step in a process of its own, so its peak RSS is its own:
//   helper.js parse FILE        — the streaming parser alone (the import's baseline)
//   helper.js import FILE DB    — what `omv import` does, end to end
//   helper.js export DB         — what `omv export` does for every entry, to a sink that discards it
// Prints {"entries", "seconds", "maxRssMb"} as JSON.
import { createReadStream } from 'node:fs';
import { IMPORT_CACHE_MIB, importFile } from '../main/intake/fileImport.js';
import { keepYoungGenerationSmall } from '../main/intake/importMemory.js';
import { parseStream } from '../main/parser/parse.js';
import { Writable } from 'node:stream';
import { exportInWorker } from '../main/export/entryExport.js';
import { openDatabase } from '../main/store/db.js';

async function main(): Promise<void> {
  const [mode, file, dbPath] = process.argv.slice(2);
  const started = performance.now();
  let entries = 0;
  if (mode === 'parse' && file) {
    await parseStream(
      () => createReadStream(file, { highWaterMark: 1 << 20 }),
      (event) => {
        if (event.kind === 'entry') entries += 1;
      },
    );
  } else if (mode === 'import' && file && dbPath) {
    keepYoungGenerationSmall(); // as omv import does
    const db = openDatabase(dbPath, { cacheMiB: IMPORT_CACHE_MIB });
    entries = (await importFile(db, file, { bulk: true })).newEntries; // as omv import runs it
    db.close();
  } else if (mode === 'export' && file) {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    entries = await exportInWorker(file, {}, sink); // as omv export runs it
  } else {
    throw new Error('usage: helper.js parse FILE | import FILE DB | export DB');
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ entries, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
