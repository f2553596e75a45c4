// A synthetic payload file of any size, written as it is generated (npm run gen writes one too).
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { SyntheticChat, type SyntheticOptions } from './synthetic.js';

export async function writeSyntheticFile(path: string, options: SyntheticOptions): Promise<number> {
  const out = createWriteStream(path);
  for (const piece of new SyntheticChat(options).document()) {
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return out.bytesWritten;
}
