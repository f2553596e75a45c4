// Entries to any writable stream as CSV or JSON Lines, page by page (keyset) with backpressure:
// memory stays flat whatever the row count. The CLI's export, the viewer's download and the
// desktop app's save dialog all use it.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { EntryFilter } from '../../shared/api.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import { csvRow } from '../../shared/csv.js';
import { EXPORT_COLUMNS, exportRecord, exportValues, type EntryRecord } from '../../shared/entryRecord.js';
import type { Db } from '../store/db.js';
import { entryDetails, exportPages, type ExportRow } from '../store/entryStream.js';
import { REVIEW_COLUMNS, reviewColumnsReader } from '../store/reviewColumns.js';
import { pseudonymousEntries } from './pseudonymousEntries.js';
import { ByteChunks } from './byteChunks.js';
import { csvRowBytes } from './csvRowBytes.js';
import { outputGone } from './outputGone.js';

export type ExportFormat = 'csv' | 'jsonl';

/** An export reads in order, once: a small page cache serves it as well, with less memory. */
export const EXPORT_CACHE_MIB = 8;

export interface ExportOptions {
  format?: ExportFormat;
  /** CSV only: prefix cells a spreadsheet would run as formulas with ' (default true). */
  neutraliseFormulas?: boolean;
  /** Add the review's columns (tags, notes, review_status) after the fixed ones. */
  withReview?: boolean;
  /** Called every few thousand rows with the count so far. */
  onProgress?: (rows: number) => void;
  /** Called once, before the first row, with how many rows the export will have (counted first: an export of a search takes ~a fifth longer). */
  onTotal?: (rows: number) => void;
  /** Stop an export that writes nothing for this long (ms): a search too broad to page through. */
  stallTimeoutMs?: number;
  /** Stops the export (exportInWorker): it fails as cancelled. */
  signal?: AbortSignal;
  /** Pseudonymous IDs (this database's salt): user IDs, display names and the IDs in room names (pseudonymousEntries.ts). */
  pseudonymSalt?: string;
}

/** Why an export that found nothing to write for `ms` was stopped (both engines say it alike). */
export const stalledMessage = (ms: number) =>
  `the export wrote nothing for ${ms / 1000} s and was stopped: narrow the search (a room, a user, a time range, longer words)`;

/** Resolves when `out` wants more, or has closed; leaves no listener behind either way. */
async function drainedOrClosed(out: Writable): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: stop.signal }), once(out, 'close', { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
}

/** The record an entry is in the API, from its raw row (JSON Lines and the review's columns take it). */
function recordOf(details: ReturnType<typeof entryDetails>, row: ExportRow): EntryRecord {
  const [id, ts, roomId, type, userId, displayName, invisible, content, deliveryId] = row;
  const room = details.room(roomId);
  const delivery = details.delivery(deliveryId);
  return {
    id,
    timestamp: ts,
    domainId: room.domain_id,
    room: room.name,
    type,
    userId: userId === null ? null : details.user(userId),
    displayName,
    invisible: invisible === null ? null : invisible === 1,
    content,
    source: delivery.source,
    callId: delivery.call_id,
  };
}

export interface WriteOptions extends ExportOptions {
  /** Where the review's columns are read (a search holds `db` busy while it streams): `db` itself by default. */
  reviewDb?: Db;
}

/**
 * Writes the entries a filter selects to `out`. A search keeps `db` busy until its last row
 * (exportPages): give it a connection of its own, and a second one as `reviewDb` with --with-review.
 */
export async function writeEntries(db: Db, filter: EntryFilter, out: Writable, options: WriteOptions = {}): Promise<number> {
  const jsonl = options.format === 'jsonl';
  const neutralise = options.neutraliseFormulas ?? true;
  // Each full chunk is written at once; `out` is waited for between pages, when it asks to be.
  const bytes = new ByteChunks((chunk) => out.write(chunk));
  let rows = 0;
  const flush = async () => {
    if (out.writableNeedDrain) await drainedOrClosed(out);
    // The output went away (a full disk, a cancelled download, a closed pipe): stop rather than wait forever.
    if (out.destroyed) throw outputGone(out, rows);
  };
  const details = entryDetails(db);
  const review = options.withReview ? reviewColumnsReader(options.reviewDb ?? db) : null;
  const shown = options.pseudonymSalt ? pseudonymousEntries(db, options.pseudonymSalt) : null;
  // The plain CSV is made straight from the rows; anything else (JSON, the review's columns, pseudonyms) from each entry's record.
  const line = jsonl || review || shown ? null : csvRowBytes(details, neutralise);
  if (!jsonl) bytes.add(csvRow(review ? [...EXPORT_COLUMNS, ...REVIEW_COLUMNS] : EXPORT_COLUMNS, false));
  for (const page of exportPages(db, filter)) {
    for (const row of page) {
      if (line) line(row, bytes);
      else {
        const stored = recordOf(details, row);
        const entry = shown ? shown(stored) : stored;
        if (review) {
          const [tags, notes, status] = review(entry);
          bytes.add(
            jsonl
              ? `${JSON.stringify({ ...exportRecord(entry), tags, notes, review_status: status })}\n`
              : csvRow([...exportValues(entry), tags, notes, status], neutralise),
          );
        } else bytes.add(jsonl ? `${JSON.stringify(exportRecord(entry))}\n` : csvRow(exportValues(entry), neutralise));
      }
    }
    const before = rows;
    rows += page.length;
    if (out.writableNeedDrain || out.destroyed) await flush();
    if (Math.floor(rows / 10_000) > Math.floor(before / 10_000)) options.onProgress?.(rows);
  }
  bytes.handOff();
  await flush();
  return rows;
}

export interface ExportWorkerData extends Omit<ExportOptions, 'onProgress' | 'onTotal' | 'stallTimeoutMs' | 'signal'> {
  path: string;
  /** Count the rows first and say how many (onTotal). */
  countFirst: boolean;
  filter: EntryFilter;
  cacheMiB: number;
  /** The slots the worker writes bytes into, `slotBytes` each. */
  shared: SharedArrayBuffer;
  slotBytes: number;
}

/** Young-generation heap of the export's thread: its garbage is collected small and often (8 MB: an eighth more time in the collector). */
const EXPORT_YOUNG_GENERATION_MB = 16;
const SLOT_BYTES = 256 * 1024;
const SLOTS = 4;

/**
 * writeEntries on a worker thread with its own connection and a small young-generation heap: the
 * calling thread stays free (in omv serve and the desktop app it answers callbacks), and memory
 * stays flat (V8 lets a busy thread's nursery grow to ~50 MB of garbage, most of an export's
 * memory otherwise). Same rows, same bytes; the bytes come through a few fixed slots of shared
 * memory, each reused once `out` has written it, so a slow reader slows the worker down.
 */
export async function exportInWorker(path: string, filter: EntryFilter, out: Writable, options: ExportOptions = {}): Promise<number> {
  const { onProgress, onTotal, stallTimeoutMs, signal, ...rest } = options;
  if (signal?.aborted) throw new Error('the export was cancelled before it began');
  const shared = new SharedArrayBuffer(SLOT_BYTES * SLOTS);
  const data: ExportWorkerData = {
    path,
    filter,
    cacheMiB: EXPORT_CACHE_MIB,
    shared,
    slotBytes: SLOT_BYTES,
    countFirst: onTotal !== undefined,
    ...rest,
  };
  const worker = new Worker(new URL('./exportWorker.js', import.meta.url), {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: EXPORT_YOUNG_GENERATION_MB },
  });
  type Message =
    | { kind: 'chunk'; slot: number; length: number }
    | { kind: 'progress'; rows: number }
    | { kind: 'total'; rows: number }
    | { kind: 'done'; rows: number }
    | { kind: 'error'; message: string };
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    let writing = 0;
    let stall: NodeJS.Timeout | undefined;
    /** The worker's time is counted only while it is not waiting for `out` (a slow reader is no stall). */
    const watch = () => {
      clearTimeout(stall);
      if (stallTimeoutMs === undefined || writing > 0) return;
      stall = setTimeout(() => settle(new Error(stalledMessage(stallTimeoutMs))), stallTimeoutMs);
    };
    watch();
    let finished: number | null = null;
    let rowsSent = 0;
    // The output failed (a full disk, a closed pipe) or closed (a dropped download): the writes it
    // holds are never called back, so its error or its close ends the export.
    const failed = () => settle(outputGone(out, rowsSent));
    out.on('error', failed);
    out.once('close', failed);
    // Said to the moderator as it is (it is what they did).
    const cancelled = () => settle(new UserFacingError('the export was cancelled'));
    signal?.addEventListener('abort', cancelled, { once: true });
    const settle = (outcome: number | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(stall);
      signal?.removeEventListener('abort', cancelled);
      // After a failure, later errors are the same failure.
      if (!(outcome instanceof Error)) {
        out.off('error', failed);
        out.off('close', failed);
      }
      void worker.terminate();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    worker.on('message', (message: Message) => {
      switch (message.kind) {
        case 'chunk':
          writing += 1;
          watch(); // paused while `out` writes
          // A copy: `out` may hold what it is given past the callback (a Transform passes it on to
          // a file stream that writes it later), and the slot is the worker's again at the callback.
          out.write(Buffer.from(new Uint8Array(shared, message.slot * SLOT_BYTES, message.length)), (error) => {
            writing -= 1;
            if (error) return failed();
            watch();
            if (finished !== null && writing === 0) return settle(finished);
            worker.postMessage(message.slot);
          });
          return;
        case 'progress':
          watch();
          rowsSent = message.rows;
          return onProgress?.(message.rows);
        case 'total':
          watch();
          return onTotal?.(message.rows);
        case 'done':
          finished = message.rows;
          if (writing === 0) settle(finished);
          return;
        case 'error':
          return settle(new Error(message.message));
      }
    });
    worker.on('error', (error) => settle(error));
    worker.on('exit', (code) => settle(new Error(`the export stopped (exit code ${code})`)));
  });
}
