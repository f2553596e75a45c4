// A parser thread (see parseInWorker): reads and parses a file or a payload's bytes and posts its
// events in packed batches, never more than its credit ahead of the thread that stores them (the
// store hands back one credit for each batch it takes).
import { createReadStream, read as readCallback } from 'node:fs';
import { promisify } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../shared/errorMessage.js';
import { EventBatchBuilder, transferables } from './eventBatch.js';
import { parseStream, PayloadError } from './parse.js';
import type { FileParseData, FromFileParser, ToFileParser } from './parseFile.js';

const { source, batchSize, chunkBytes, credit: initialCredit } = workerData as FileParseData;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const port = parentPort!;
const readAt = promisify(readCallback);
const post = (message: FromFileParser, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let credit = initialCredit;
let wake: (() => void) | null = null;
port.on('message', (message: ToFileParser) => {
  if (message !== 'more') return pending.recycle(message.recycled);
  credit += 1;
  wake?.();
  wake = null;
});

/** The batch being read, packed as it is read. */
let pending = new EventBatchBuilder(Math.min(batchSize, 16_384));
/** Bytes read since the last batch went: a batch is also sent when the file runs to long
 * contents, so no batch holds more than about MAX_BATCH_BYTES of text. */
let pendingBytes = 0;
let bytesRead = 0;
async function send(): Promise<void> {
  while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
  credit -= 1;
  const batch = pending.take();
  pendingBytes = 0;
  post({ kind: 'events', batch, bytesRead }, transferables(batch));
}

/**
 * A lent descriptor, read from the start with plain reads. Not through a read stream: leaving a
 * stream's iteration early (a document malformed before its end) destroys the stream, and that
 * closes its descriptor whatever autoClose says — the caller's, which it then closed again (EBADF),
 * or worse, closed a file opened meanwhile under the same number.
 */
async function* readLent(fd: number): AsyncGenerator<Uint8Array> {
  for (let position = 0; ;) {
    const { bytesRead, buffer } = await readAt(fd, Buffer.allocUnsafe(chunkBytes), 0, chunkBytes, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

async function* read(): AsyncGenerator<Uint8Array> {
  // From the start each time (a restart reads again), through the caller's descriptor if it lent one.
  if ('path' in source) {
    if (source.fd !== undefined) yield* readLent(source.fd);
    else yield* createReadStream(source.path, { highWaterMark: chunkBytes, start: 0 }) as AsyncIterable<Buffer>;
  } else for (let at = 0; at < source.bytes.length; at += chunkBytes) yield source.bytes.subarray(at, at + chunkBytes);
}

async function* chunks(): AsyncGenerator<Uint8Array> {
  bytesRead = 0;
  for await (const chunk of read()) {
    yield chunk;
    bytesRead += chunk.length;
    pendingBytes += chunk.length;
    if (pending.size >= batchSize || pendingBytes >= MAX_BATCH_BYTES) await send();
  }
}

try {
  const info = await parseStream(
    chunks,
    (event) => pending.add(event),
    () => {
      pending = new EventBatchBuilder(Math.min(batchSize, 16_384));
      pendingBytes = 0;
      post({ kind: 'restart' });
    },
  );
  await send();
  post({ kind: 'done', info });
} catch (error) {
  // What came before a malformed part is well-formed: it goes first.
  if (pending.size > 0) await send();
  if (error instanceof PayloadError) post({ kind: 'malformed', line: error.line, column: error.column, reason: error.reason });
  else post({ kind: 'failed', message: errorMessage(error) });
}
