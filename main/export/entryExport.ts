// Entries to any writable stream as CSV or JSON Lines, page by page (keyset) with backpressure:
// memory stays flat whatever the row count. The CLI's export, the viewer's download and the
// desktop app's save dialog all use it.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { EntryFilter } from '../../shared/api.js';
import { csvRow } from '../../shared/csv.js';
import { EXPORT_COLUMNS, exportRecord, exportValues, type EntryRecord } from '../../shared/entryRecord.js';
import type { Db } from '../store/db.js';
import { allEntries } from '../store/entryQuery.js';
import { REVIEW_COLUMNS, reviewColumnsReader } from '../store/reviewColumns.js';
import { pseudonymousEntries } from './pseudonymousEntries.js';

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
  /** Stop an export that writes nothing for this long (ms): a search too broad to page through. */
  stallTimeoutMs?: number;
  /** Pseudonymous IDs (this database's salt): user IDs, display names and the IDs in room names (pseudonymousEntries.ts). */
  pseudonymSalt?: string;
}

/** One entry as a JSON line: the CSV's columns, with numbers, booleans and nulls typed. */
function jsonLine(entry: EntryRecord): string {
  return `${JSON.stringify(exportRecord(entry))}\n`;
}

/** Resolves when `out` wants more, or has closed; leaves no listener behind either way. */
async function drainedOrClosed(out: Writable): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: stop.signal }), once(out, 'close', { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
}

export async function writeEntries(db: Db, filter: EntryFilter, out: Writable, options: ExportOptions = {}): Promise<number> {
  const jsonl = options.format === 'jsonl';
  const neutralise = options.neutraliseFormulas ?? true;
  let buffered = '';
  let rows = 0;
  const flush = async () => {
    if (buffered && !out.write(buffered)) await drainedOrClosed(out);
    buffered = '';
    // The reader went away (a cancelled download, a closed pipe): stop rather than wait forever.
    if (out.destroyed) throw new Error(`the export was cancelled after ${rows.toLocaleString('en-US')} rows`);
  };
  const review = options.withReview ? reviewColumnsReader(db) : null;
  if (!jsonl) buffered += csvRow(review ? [...EXPORT_COLUMNS, ...REVIEW_COLUMNS] : EXPORT_COLUMNS, false);
  const shown = options.pseudonymSalt ? pseudonymousEntries(db, options.pseudonymSalt) : null;
  for (const stored of allEntries(db, filter)) {
    const entry = shown ? shown(stored) : stored;
    if (review) {
      const [tags, notes, status] = review(entry);
      buffered += jsonl
        ? `${JSON.stringify({ ...exportRecord(entry), tags, notes, review_status: status })}\n`
        : csvRow([...exportValues(entry), tags, notes, status], neutralise);
    } else buffered += jsonl ? jsonLine(entry) : csvRow(exportValues(entry), neutralise);
    rows += 1;
    if (buffered.length > 1 << 16) await flush();
    if (rows % 10_000 === 0) options.onProgress?.(rows);
  }
  await flush();
  return rows;
}

export interface ExportWorkerData extends Omit<ExportOptions, 'onProgress' | 'stallTimeoutMs'> {
  path: string;
  filter: EntryFilter;
  cacheMiB: number;
  /** The slots the worker writes bytes into, `slotBytes` each. */
  shared: SharedArrayBuffer;
  slotBytes: number;
}

/** Young-generation heap of the export's thread: its garbage is collected small and often. */
const EXPORT_YOUNG_GENERATION_MB = 8;
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
  const { onProgress, stallTimeoutMs, ...rest } = options;
  const shared = new SharedArrayBuffer(SLOT_BYTES * SLOTS);
  const data: ExportWorkerData = { path, filter, cacheMiB: EXPORT_CACHE_MIB, shared, slotBytes: SLOT_BYTES, ...rest };
  const worker = new Worker(new URL('./exportWorker.js', import.meta.url), {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: EXPORT_YOUNG_GENERATION_MB },
  });
  type Message =
    | { kind: 'chunk'; slot: number; length: number }
    | { kind: 'progress'; rows: number }
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
      stall = setTimeout(
        () =>
          settle(
            new Error(
              `the export wrote nothing for ${stallTimeoutMs / 1000} s and was stopped: narrow the search (a room, a user, a time range, longer words)`,
            ),
          ),
        stallTimeoutMs,
      );
    };
    watch();
    let finished: number | null = null;
    const failed = (error: Error) => settle(new Error(`the export was cancelled: ${error.message}`));
    out.on('error', failed); // a closed pipe or a dropped download
    const settle = (outcome: number | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(stall);
      if (!(outcome instanceof Error)) out.off('error', failed); // after a failure, later errors are the same failure
      void worker.terminate();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    worker.on('message', (message: Message) => {
      switch (message.kind) {
        case 'chunk':
          writing += 1;
          watch(); // paused while `out` writes
          out.write(Buffer.from(shared, message.slot * SLOT_BYTES, message.length), (error) => {
            writing -= 1;
            if (error) return failed(error);
            watch();
            if (finished !== null && writing === 0) return settle(finished);
            worker.postMessage(message.slot);
          });
          return;
        case 'progress':
          watch();
          return onProgress?.(message.rows);
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
