// An export from a PostgreSQL store: the entries a filter selects, read through the engine's
// cursor (store/pg/reads.ts exportEntries, one snapshot), written as the same CSV or JSON Lines
// bytes a SQLite file's export writes (the reference formatter, which csvRowBytes.ts is held to),
// with the review's columns and pseudonyms as SQLite's writeEntries adds them (store/pg/exportColumns.ts),
// and recorded in PostgreSQL's audit trail with the same rows ('export started', then 'export' or
// 'export failed'), from which the manifest is made.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type pg from 'pg';
import type { EntryFilter } from '../../shared/api.js';
import { csvRow } from '../../shared/csv.js';
import { EXPORT_COLUMNS, exportRecord, exportValues, type EntryRecord } from '../../shared/entryRecord.js';
import type { ExportManifest } from '../../shared/review.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import type { PgEngine } from '../store/pg/engine.js';
import { reviewColumnsOf, usersNamedInRoomsOf, type ReviewColumns } from '../store/pg/exportColumns.js';
import { REVIEW_COLUMNS } from '../store/reviewColumns.js';
import { roomKey, withPseudonyms } from './pseudonymousEntries.js';
import { ByteChunks } from './byteChunks.js';
import { stalledMessage } from './entryExport.js';
import { exportDoneDetails, exportManifest, exportStartDetails, type ExportDetails } from './manifest.js';
import { outputGone } from './outputGone.js';

export interface PgExportOptions {
  format: 'csv' | 'jsonl';
  neutraliseFormulas: boolean;
  /** Add the review's columns (tags, notes, review_status) after the fixed ones. */
  withReview?: boolean;
  /** Pseudonymous IDs (this database's salt), as pseudonymousEntries.ts makes them. */
  pseudonymSalt?: string;
  /** Called every 10,000 rows with the count so far. */
  onProgress?: (rows: number) => void;
  /** Called once, before the first row, with how many rows the export will have (counted first). */
  onTotal?: (rows: number) => void;
  /** Stops the export: it fails as cancelled (the desk's cancelExport). */
  signal?: AbortSignal;
}

/** PostgreSQL's code for a statement cancelled by statement_timeout (or by an administrator). */
const QUERY_CANCELED = '57014';

export class PgExport {
  /** The first and last entry's time: rows come in time order, so no second query is needed for the manifest's span. */
  private span: { first: number | null; last: number | null } = { first: null, last: null };

  /** `engine`'s reads stop a page that takes longer than `stallTimeoutMs` (its statement_timeout): the export then stops as SQLite's does. */
  constructor(
    private readonly engine: PgEngine,
    private readonly filter: EntryFilter,
    private readonly stallTimeoutMs: number,
  ) {}

  /** Records that the export begins, before its first byte leaves; answers the audit row. */
  async start(destination: string, details: Omit<ExportDetails, 'rows'>): Promise<number> {
    return (await this.engine.writes.appendAudit('export started', details.moderator, exportStartDetails(destination, details))).row;
  }

  /** Writes every entry the filter selects to `out`, waiting for it when it asks to be; answers the rows written. */
  async write(out: Writable, options: PgExportOptions): Promise<number> {
    const { format, neutraliseFormulas, withReview = false, pseudonymSalt, onProgress, onTotal, signal } = options;
    if (signal?.aborted) throw new Error('the export was cancelled before it began');
    const jsonl = format === 'jsonl';
    const bytes = new ByteChunks((chunk) => out.write(chunk));
    if (!jsonl) bytes.add(csvRow(withReview ? [...EXPORT_COLUMNS, ...REVIEW_COLUMNS] : EXPORT_COLUMNS, false));
    const marks = new Map<string, number | null>();
    const named = new Map<string, string[]>();
    const shown =
      pseudonymSalt === undefined ? null : withPseudonyms(pseudonymSalt, (domainId, room) => named.get(roomKey(domainId, room))!);
    let rows = 0;
    /** The review's columns of the page the rows come from. */
    let review = null as Map<number, ReviewColumns> | null;
    // What the entries' own columns do not hold is asked a page of entries at a time, on the cursor's session.
    const beforePage =
      withReview || shown
        ? async (page: readonly EntryRecord[], session: pg.ClientBase) => {
            if (withReview) review = await reviewColumnsOf(session, page, marks);
            if (shown) await usersNamedInRoomsOf(session, page, named);
          }
        : undefined;
    try {
      if (onTotal) onTotal(await this.engine.reads.countEntries(this.filter));
      for await (const stored of this.engine.reads.exportEntries(this.filter, beforePage)) {
        const entry = shown ? shown(stored) : stored;
        const columns = review?.get(stored.id);
        if (columns) {
          const [tags, notes, status] = columns;
          bytes.add(
            jsonl
              ? `${JSON.stringify({ ...exportRecord(entry), tags, notes, review_status: status })}\n`
              : csvRow([...exportValues(entry), tags, notes, status], neutraliseFormulas),
          );
        } else bytes.add(jsonl ? `${JSON.stringify(exportRecord(entry))}\n` : csvRow(exportValues(entry), neutraliseFormulas));
        this.span.first ??= stored.timestamp;
        this.span.last = stored.timestamp;
        rows += 1;
        if (rows % 10_000 === 0) onProgress?.(rows);
        if (signal?.aborted) throw new UserFacingError('the export was cancelled');
        if (out.destroyed) throw outputGone(out, rows); // the file or pipe failed: stop reading, not format every row into nothing
        if (out.writableNeedDrain) await drained(out, rows, signal);
      }
      // Cancelled at any time before it ends, as SQLite's export is.
      if (signal?.aborted) throw new UserFacingError('the export was cancelled');
    } catch (error) {
      throw (error as { code?: string }).code === QUERY_CANCELED ? new Error(stalledMessage(this.stallTimeoutMs)) : error;
    }
    bytes.handOff();
    if (out.writableNeedDrain) await drained(out, rows, signal);
    return rows;
  }

  /** Records an export that did not finish: how far it got and why. */
  async failed(started: number, rows: number, error: string, moderator: string): Promise<void> {
    await this.engine.writes.appendAudit('export failed', moderator, { started, rows, error });
  }

  /** Records the export (its file's name and SHA-256); answers its manifest. */
  async recorded(file: string, sha256: string, details: ExportDetails, started: number): Promise<ExportManifest> {
    const audit = await this.engine.writes.appendAudit('export', details.moderator, exportDoneDetails(file, sha256, details, started));
    return exportManifest(file, sha256, details, this.span, audit);
  }
}

/** Resolves when `out` wants more; a reader that went away (a closed pipe) stops the export, and so does `signal`. */
async function drained(out: Writable, rows: number, signal: AbortSignal | undefined): Promise<void> {
  const stop = new AbortController();
  const waits = [once(out, 'drain', { signal: stop.signal }), once(out, 'close', { signal: stop.signal })];
  if (signal) waits.push(once(signal, 'abort', { signal: stop.signal }));
  try {
    await Promise.race(waits);
  } finally {
    stop.abort();
  }
  if (signal?.aborted) throw new UserFacingError('the export was cancelled');
  if (out.destroyed) throw outputGone(out, rows);
}
