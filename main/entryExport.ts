// Entries to any writable stream as CSV or JSON Lines, page by page (keyset) with backpressure:
// memory stays flat whatever the row count. The CLI's export, the viewer's download and the
// desktop app's save dialog all use it.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { EntryFilter } from '../shared/api.js';
import { csvRow } from '../shared/csv.js';
import { EXPORT_COLUMNS, exportValues, isoTime, type EntryRecord } from '../shared/entryRecord.js';
import type { Db } from './store/db.js';
import { allEntries } from './store/entryQuery.js';

export type ExportFormat = 'csv' | 'jsonl';

/** An export reads in order, once: a small page cache serves it as well, with less memory. */
export const EXPORT_CACHE_MIB = 8;

export interface ExportOptions {
  format?: ExportFormat;
  /** CSV only: prefix cells a spreadsheet would run as formulas with ' (default true). */
  neutraliseFormulas?: boolean;
  /** Called every few thousand rows with the count so far. */
  onProgress?: (rows: number) => void;
}

/** One entry as a JSON line: the CSV's columns, with numbers, booleans and nulls typed. */
function jsonLine(entry: EntryRecord): string {
  return `${JSON.stringify({
    entry_id: entry.id,
    time_utc: isoTime(entry.timestamp),
    timestamp_ms: entry.timestamp,
    domain_id: entry.domainId,
    room: entry.room,
    type: entry.type,
    user_id: entry.userId,
    display_name: entry.displayName,
    invisible: entry.invisible,
    content: entry.content,
    source: entry.source,
    call_id: entry.callId,
  })}\n`;
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
  if (!jsonl) buffered += csvRow(EXPORT_COLUMNS, false);
  for (const entry of allEntries(db, filter)) {
    buffered += jsonl ? jsonLine(entry) : csvRow(exportValues(entry), neutralise);
    rows += 1;
    if (buffered.length > 1 << 16) await flush();
    if (rows % 10_000 === 0) options.onProgress?.(rows);
  }
  await flush();
  return rows;
}
