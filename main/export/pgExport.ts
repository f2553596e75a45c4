// An export from a PostgreSQL store: the entries a filter selects, read through the engine's
// cursor (store/pg/reads.ts exportEntries, one snapshot), written as the same CSV or JSON Lines
// bytes a SQLite file's export writes (the reference formatter, which csvRowBytes.ts is held to),
// and recorded in PostgreSQL's audit trail with the same rows ('export started', then 'export' or
// 'export failed'), from which the manifest is made.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { EntryFilter } from '../../shared/api.js';
import { csvRow } from '../../shared/csv.js';
import { EXPORT_COLUMNS, exportRecord, exportValues } from '../../shared/entryRecord.js';
import type { ExportManifest } from '../../shared/review.js';
import type { PgEngine } from '../store/pg/engine.js';
import { ByteChunks } from './byteChunks.js';
import { stalledMessage } from './entryExport.js';
import { exportDoneDetails, exportManifest, exportStartDetails, type ExportDetails } from './manifest.js';

export interface PgExportOptions {
  format: 'csv' | 'jsonl';
  neutraliseFormulas: boolean;
  /** Called every 10,000 rows with the count so far. */
  onProgress?: (rows: number) => void;
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
  async write(out: Writable, { format, neutraliseFormulas, onProgress }: PgExportOptions): Promise<number> {
    const bytes = new ByteChunks((chunk) => out.write(chunk));
    if (format === 'csv') bytes.add(csvRow(EXPORT_COLUMNS, false));
    let rows = 0;
    try {
      for await (const entry of this.engine.reads.exportEntries(this.filter)) {
        bytes.add(format === 'jsonl' ? `${JSON.stringify(exportRecord(entry))}\n` : csvRow(exportValues(entry), neutraliseFormulas));
        this.span.first ??= entry.timestamp;
        this.span.last = entry.timestamp;
        rows += 1;
        if (rows % 10_000 === 0) onProgress?.(rows);
        if (out.destroyed) throw cancelled(rows); // the file or pipe failed: stop reading, not format every row into nothing
        if (out.writableNeedDrain) await drained(out, rows);
      }
    } catch (error) {
      throw (error as { code?: string }).code === QUERY_CANCELED ? new Error(stalledMessage(this.stallTimeoutMs)) : error;
    }
    bytes.handOff();
    if (out.writableNeedDrain) await drained(out, rows);
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

/** Resolves when `out` wants more; a reader that went away (a closed pipe) stops the export. */
async function drained(out: Writable, rows: number): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: stop.signal }), once(out, 'close', { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
  if (out.destroyed) throw cancelled(rows);
}

const cancelled = (rows: number) => new Error(`the export was cancelled after ${rows.toLocaleString('en-US')} rows`);
