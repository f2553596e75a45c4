// The desk's imports, exports, purges and retries' answers, made once for both engines' writers (sqliteWriter.ts,
// pgDeskWriter.ts): what the moderator is answered, the audit rows, the events the desks are told,
// the manifest beside an export written to a path. Each engine hands in how it does the work.
import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Actor } from '../../shared/access.js';
import type { ApiArgs, ApiValue, EntryFilter, ExportResult, ImportFileResult, PurgeSummary } from '../../shared/api.js';
import { errorMessage } from '../../shared/errorMessage.js';
import type { ExportManifest } from '../../shared/review.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import { hashedOutput, manifestJson, type ExportDetails } from '../export/manifest.js';
import type { ImportProgress, ImportResult } from '../intake/fileImport.js';
import type { RetryResult } from '../intake/quarantineRetry.js';
import { apiErrorMessage } from './apiError.js';
import { reportedExport, type EventHub } from './events.js';
import { cleanFilter } from './readCalls.js';
import type { ExportTarget } from './service.js';

/** What the trail's 'import' row says of a file (as omv import's: cli/importLines.ts). */
type ImportAudit = Pick<ImportResult, 'status' | 'entries' | 'newEntries' | 'deliveryId'> & { file: string };

/** How an engine imports one file, and records it in its trail. */
export interface DeskImports {
  importFile(path: string, onProgress: (progress: ImportProgress) => void): Promise<ImportResult>;
  audit(moderator: string, details: ImportAudit): Promise<unknown>;
}

/** The files, one after the other: each one's answer (a file that throws is a failed file), its audit row, its progress told to the importer's desks. */
export async function importForDesk(
  events: EventHub,
  actor: Actor,
  { files }: ApiArgs<'importFiles'>,
  engine: DeskImports,
): Promise<ImportFileResult[]> {
  const results: ImportFileResult[] = [];
  for (const { path, name } of files) {
    try {
      const r = await engine.importFile(path, (p) =>
        events.emit({ type: 'importProgress', name, bytesRead: p.bytesRead, totalBytes: p.totalBytes, entries: p.entries }, actor.name),
      );
      // The moderator knows the file by its name, not by where main read it (an upload's spool).
      const result: ImportFileResult = {
        name,
        status: r.status,
        entries: r.entries,
        newEntries: r.newEntries,
        error: r.error?.replace(path, name),
      };
      // The file is in (or refused) whatever becomes of its audit row: a row that could not be written is said, once, beside it.
      await engine
        .audit(actor.name, { file: name, status: r.status, entries: r.entries, newEntries: r.newEntries, deliveryId: r.deliveryId })
        .catch((error: unknown) => {
          result.error = `${result.error ? `${result.error}; ` : ''}its audit row could not be written: ${apiErrorMessage(error, 'importFiles')}`;
        });
      results.push(result);
    } catch (error) {
      results.push({ name, status: 'failed', entries: 0, newEntries: 0, error: apiErrorMessage(error, 'importFiles').replace(path, name) });
    }
  }
  const added = results.reduce((n, r) => n + r.newEntries, 0);
  if (added > 0) events.emit({ type: 'entriesAdded', count: added, rooms: [] });
  return results;
}

/** What an export asks of an engine: its rows and its trail (export/manifest.ts's rows). */
export interface DeskExportRows {
  /** Records that the export begins; answers its audit row. */
  start(destination: string, details: Omit<ExportDetails, 'rows'>): Promise<number>;
  /** Writes the rows to `out`, the total said first; answers how many. */
  write(
    out: Writable,
    options: {
      filter: EntryFilter;
      withReview: boolean;
      pseudonymous: boolean;
      onProgress: (rows: number) => void;
      onTotal: (rows: number) => void;
      signal: AbortSignal;
    },
  ): Promise<number>;
  failed(started: number, rows: number, error: string, moderator: string): Promise<void>;
  /** Records the export done; answers its manifest. */
  recorded(file: string, sha256: string, details: ExportDetails, started: number): Promise<ExportManifest>;
}

/**
 * The desk's CSV export: recorded before the first byte leaves (an export cut short is in the trail
 * too), its progress told to the exporter's desks, the manifest written beside a file.
 */
export async function exportForDesk(
  events: EventHub,
  actor: Actor,
  { filter, query, withReview, pseudonymous }: ApiArgs<'exportCsv'>,
  out: Writable,
  target: ExportTarget,
  signal: AbortSignal,
  engine: DeskExportRows,
): Promise<ExportResult> {
  const details = {
    format: 'csv' as const,
    query: query ?? null,
    filter: cleanFilter(filter),
    withReview: withReview === true,
    ids: pseudonymous === true ? ('pseudonymous' as const) : ('real' as const),
  };
  const moderator = actor.name;
  const started = await engine.start(target.path ?? `download ${target.name}`, { ...details, moderator });
  const hashed = hashedOutput(out);
  let written = 0;
  try {
    const manifest = await reportedExport(
      events,
      actor.name,
      (onProgress, onTotal) =>
        engine.write(hashed.stream, {
          filter: details.filter,
          withReview: details.withReview,
          pseudonymous: details.ids === 'pseudonymous',
          onProgress: (rows) => onProgress((written = rows)),
          onTotal,
          signal,
        }),
      async (rows) => {
        written = rows;
        hashed.stream.end();
        await finished(hashed.stream);
        const made = await engine.recorded(target.name, hashed.sha256(), { ...details, rows, moderator }, started);
        if (target.path) await writeFile(`${target.path}.manifest.json`, manifestJson(made));
        return made;
      },
    );
    return { rows: manifest.rows, destination: target.path, manifest };
  } catch (error) {
    await engine.failed(started, written, errorMessage(error), moderator);
    throw error;
  }
}

/** The desk's purge: the date checked, the engine's purge run, the desks told when entries went. */
export async function purgeForDesk(
  events: EventHub,
  actor: Actor,
  { before, dryRun }: ApiArgs<'purge'>,
  purge: (before: number, options: { moderator: string; dryRun: boolean }) => Promise<PurgeSummary>,
): Promise<PurgeSummary> {
  if (!Number.isFinite(before)) throw new UserFacingError('a purge needs a date: remove what is older than when?');
  const result = await purge(Number(before), { moderator: actor.name, dryRun: dryRun === true });
  if (!dryRun && result.removed > 0) events.emit({ type: 'reviewChanged' });
  return result;
}

/** Quarantine retries as the desk is answered: each delivery stored, or kept with the reason. */
export function retryAnswers(results: readonly RetryResult[]): ApiValue<'retryQuarantined'> {
  return results.map((r) => (r.status === 'stored' ? { id: r.id, status: r.status } : { id: r.id, status: r.status, reason: r.reason }));
}
