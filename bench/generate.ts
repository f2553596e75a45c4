// npm run gen -- --entries N --rooms R --out FILE [--seed S]: write a synthetic payload file.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { writeSyntheticFile } from '../test/support/syntheticFile.js';
import { errorMessage } from '../shared/errorMessage.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entries: { type: 'string', default: '100000' },
      rooms: { type: 'string', default: '50' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  if (!values.out) throw new Error('usage: npm run gen -- --entries N --rooms R --out FILE [--seed S]');
  const options = { entries: Number(values.entries), rooms: Number(values.rooms), seed: Number(values.seed) };
  const started = performance.now();
  const bytes = await writeSyntheticFile(values.out, options);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${values.out}: ${options.entries} entries in ${options.rooms} rooms, ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${errorMessage(error)}\n`);
    process.exitCode = 1;
  });
}
