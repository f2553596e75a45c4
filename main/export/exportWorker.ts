// An export's worker thread (see exportInWorker in entryExport.ts): reads and formats the rows
// and passes the bytes to the main thread through a few fixed slots of shared memory, so neither
// thread allocates a buffer per chunk. A slot is reused once the main thread says it is written.
import { parentPort, workerData } from 'node:worker_threads';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { writeEntries, type ExportWorkerData } from './entryExport.js';
import { openDatabase } from '../store/db.js';
import { countEntries } from '../store/entryQuery.js';
import { errorMessage } from '../../shared/errorMessage.js';

const { path, filter, cacheMiB, shared, slotBytes, countFirst, ...options } = workerData as ExportWorkerData;
const port = parentPort!;
const memory = new Uint8Array(shared);
const free = Array.from({ length: shared.byteLength / slotBytes }, (_, slot) => slot);
let waiting: ((slot: number) => void) | null = null;
port.on('message', (slot: number) => {
  if (waiting) {
    const wake = waiting;
    waiting = null;
    wake(slot);
  } else free.push(slot);
});
const freeSlot = () => (free.length > 0 ? Promise.resolve(free.shift()!) : new Promise<number>((resolve) => (waiting = resolve)));

async function send(chunk: Buffer): Promise<void> {
  for (let at = 0; at < chunk.length; at += slotBytes) {
    const part = chunk.subarray(at, at + slotBytes);
    const slot = await freeSlot();
    memory.set(part, slot * slotBytes);
    port.postMessage({ kind: 'chunk', slot, length: part.length });
  }
}

const toMain = new Writable({
  // As much as the slots hold: a full chunk is accepted without a wait for the one before.
  highWaterMark: shared.byteLength,
  write(chunk: Buffer, _encoding, done) {
    send(chunk).then(() => done(), done);
  },
});

const db = openDatabase(path, { readOnly: true, cacheMiB });
// A search holds its connection until its last row: the review's columns are read on another.
const reviewDb = options.withReview ? openDatabase(path, { readOnly: true, cacheMiB }) : undefined;
if (countFirst) port.postMessage({ kind: 'total', rows: countEntries(db, filter) });
writeEntries(db, filter, toMain, { ...options, reviewDb, onProgress: (rows) => port.postMessage({ kind: 'progress', rows }) })
  .then(async (rows) => {
    toMain.end();
    await once(toMain, 'finish'); // every chunk handed over
    port.postMessage({ kind: 'done', rows });
  })
  .catch((error: unknown) => port.postMessage({ kind: 'error', message: errorMessage(error) }))
  .finally(() => {
    db.close();
    reviewDb?.close();
  });
