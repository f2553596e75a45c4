// Parses a document on a worker thread — a saved file, or a large callback body — so reading and
// parsing it runs beside the thread that stores its events (and answers callbacks) instead of
// holding it up. Same parser, same events, same order as parseStream on one thread.
import { Worker } from 'node:worker_threads';
import type { PayloadEvent } from '../../shared/payload.js';
import { transferables, unpackEvents, type EventBatch } from './eventBatch.js';
import { PayloadError, type ParseInfo } from './parse.js';

/**
 * The parser thread's heap: its garbage is short-lived, and small limits keep peak memory down
 * (1M-entry import: peak RSS 315 → 280 MB, no slower). Its batch is packed as it is read
 * (EventBatchBuilder), outside the heap, so nearly nothing outlives a young collection: a young
 * generation of 8 MB rather than 16 took ~35 MB off the parse's peak RSS at no cost in time (and
 * the parser thread has time to spare: the import waits for its writer). No field is longer than
 * 1M characters.
 */
const PARSER_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 };

export interface FileParseData {
  /**
   * A file to read (through `fd` when the caller holds it open: the file read is then the one the
   * caller hashed, even if its name is deleted or replaced meanwhile), or the bytes themselves.
   */
  source: { path: string; fd?: number } | { bytes: Uint8Array };
  /** Events per batch (the importer writes a batch in one transaction). */
  batchSize: number;
  chunkBytes: number;
  /** Batches the parser may run ahead of its consumer. */
  credit: number;
}

export type FromFileParser =
  | { kind: 'events'; batch: EventBatch; bytesRead: number }
  /** The file is not UTF-8 after all: it is read again from the start in its fallback encoding. */
  | { kind: 'restart' }
  | { kind: 'done'; info: ParseInfo }
  | { kind: 'malformed'; line: number; column: number; reason: string }
  | { kind: 'failed'; message: string };

/** To the parser thread: a credit for one more batch, or the buffers of a batch read to its end, to pack later ones into. */
export type ToFileParser = 'more' | { recycled: ArrayBuffer[] };

export type FileParseStep =
  { kind: 'events'; events: Iterable<PayloadEvent>; bytesRead: number } | { kind: 'restart' } | { kind: 'done'; info: ParseInfo };

/**
 * The document's events in batches of about `batchSize`, in document order, with the bytes read
 * so far, then what parsing it took ('done'). Throws PayloadError where the document is
 * malformed, after the batches before it. The worker stops when the caller stops iterating.
 */
export async function* parseInWorker(
  source: FileParseData['source'],
  options: { batchSize: number; chunkBytes: number },
): AsyncGenerator<FileParseStep> {
  const data: FileParseData = { source, ...options, credit: 2 };
  const what = 'path' in source ? source.path : 'the payload';
  const worker = new Worker(new URL('./fileParseWorker.js', import.meta.url), { workerData: data, resourceLimits: PARSER_HEAP });
  const inbox: FromFileParser[] = [];
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (message: FromFileParser) => {
    inbox.push(message);
    notify();
  });
  worker.on('error', (error: Error & { code?: string }) => {
    failure =
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new Error(
            `${what} needs more than the parser's ${PARSER_HEAP.maxOldGenerationSizeMb} MB to read (an element with too many attributes, or an entry too large)`,
          )
        : error;
    notify();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the parser thread stopped (exit code ${code})`);
    notify();
  });
  let running = true;
  /** The batch's events; once the last is read (the strings made are copies), its buffers go back to be packed into again. */
  function* handBack(batch: EventBatch): Generator<PayloadEvent> {
    yield* unpackEvents(batch);
    if (!running) return;
    const recycled = transferables(batch);
    worker.postMessage({ recycled } satisfies ToFileParser, recycled);
  }
  try {
    for (;;) {
      const message = inbox.shift();
      if (message === undefined) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      switch (message.kind) {
        case 'events':
          worker.postMessage('more' satisfies ToFileParser);
          yield { kind: 'events', events: handBack(message.batch), bytesRead: message.bytesRead };
          break;
        case 'restart':
          yield message;
          break;
        case 'done':
          yield message;
          return;
        case 'malformed':
          throw new PayloadError(message.line, message.column, message.reason);
        case 'failed':
          throw new Error(message.message);
      }
    }
  } finally {
    running = false;
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
