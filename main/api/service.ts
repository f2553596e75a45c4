// The UI's API, implemented once. Reads go to a ReadRunner (in the app: worker threads with a
// time limit, see queryPool.ts); the calls that write run here. Electron IPC and browser mode's
// HTTP both call these functions; neither adds behaviour of its own. The two calls that carry
// files take what their transport brings: paths main can read, a stream to write to.
import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { EntryFilter, ExportResult, ImportFileResult, LocalFile, OmvApi, PlainMethod } from '../../shared/api.js';
import { errorMessage } from '../../shared/errorMessage.js';
import { apiErrorMessage } from './apiError.js';
import { exportInWorker } from '../export/entryExport.js';
import { hashedOutput, manifestJson, recordExport, recordExportFailure, recordExportStart } from '../export/manifest.js';
import { importFile } from '../intake/fileImport.js';
import { retryQuarantined } from '../intake/quarantineRetry.js';
import { auditImport } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { reportedExport, type EventHub } from './events.js';
import { cleanFilter, type ReadRunner } from './readCalls.js';
import { moderatorOf, reviewWrites } from './reviewWrites.js';

/** Where an export goes: a file main writes (and its manifest beside it), or a download. */
export interface ExportTarget {
  path: string | null;
  name: string;
}

/** What main answers: the contract's values, after awaiting. */
export type OmvService = { [M in PlainMethod]: (args: Parameters<OmvApi[M]>[0]) => Promise<ReturnType<OmvApi[M]>> } & {
  importFiles(args: { files: LocalFile[] }): Promise<ImportFileResult[]>;
  /** Streams the CSV into `out`: to a file at `target.path` (its manifest is written beside it), or a download named `target.name`. */
  exportCsv(
    args: { filter: EntryFilter; query?: string; withReview?: boolean },
    out: Writable,
    target: ExportTarget,
  ): Promise<ExportResult>;
};

export interface ServiceContext {
  reads: ReadRunner;
  /** The writer's connection (the receiver's): imports and quarantine retries write through it. */
  db: Db;
  events: EventHub;
  receiver: { callbackUrl: () => string | null; problem: () => string | null };
}

export function createService({ reads, db, events, receiver }: ServiceContext): OmvService {
  /** The exports under way, each stopped by its controller (cancelExport). */
  const exporting = new Set<AbortController>();
  return {
    rooms: (args) => reads('rooms', args),
    timeline: (args) => reads('timeline', args),
    search: (args) => reads('search', args),
    context: (args) => reads('context', args),
    userActivity: (args) => reads('userActivity', args),
    histogram: (args) => reads('histogram', args),
    quarantine: (args) => reads('quarantine', args),
    quarantinePayload: (args) => reads('quarantinePayload', args),
    reports: (args) => reads('reports', args),
    reportCounts: (args) => reads('reportCounts', args),
    report: (args) => reads('report', args),
    tags: (args) => reads('tags', args),
    reviews: (args) => reads('reviews', args),
    notes: (args) => reads('notes', args),
    watchTerms: (args) => reads('watchTerms', args),
    watchlistText: (args) => reads('watchlistText', args),
    savedSearches: (args) => reads('savedSearches', args),
    audit: (args) => reads('audit', args),
    ...reviewWrites(db, reads, () => events.emit({ type: 'reviewChanged' })),

    async receiverStatus() {
      const startOfDay = new Date();
      startOfDay.setHours(0, 0, 0, 0);
      const counters = await reads('receiverCounters', { since: startOfDay.getTime() });
      return {
        callbackUrl: receiver.callbackUrl(),
        problem: receiver.problem(),
        lastDeliveryAt: counters.lastDeliveryAt,
        deliveriesToday: counters.deliveriesSince,
        quarantined: counters.quarantined,
        entries: counters.entries,
        alerts: counters.alerts,
        openReports: counters.openReports,
      };
    },

    async retryQuarantined({ id }) {
      const results = await retryQuarantined(db, id === undefined ? undefined : Number(id), moderatorOf(db));
      return results.map((r) =>
        r.status === 'stored' ? { id: r.id, status: r.status } : { id: r.id, status: r.status, reason: r.reason },
      );
    },

    async importFiles({ files }) {
      const results: ImportFileResult[] = [];
      for (const { path, name } of files) {
        try {
          const r = await importFile(db, path, {
            onProgress: (p) =>
              events.emit({ type: 'importProgress', name, bytesRead: p.bytesRead, totalBytes: p.totalBytes, entries: p.entries }),
          });
          // The moderator knows the file by its name, not by where main read it (an upload's spool).
          results.push({ name, status: r.status, entries: r.entries, newEntries: r.newEntries, error: r.error?.replace(path, name) });
          auditImport(db, moderatorOf(db), {
            file: name,
            status: r.status,
            entries: r.entries,
            newEntries: r.newEntries,
            deliveryId: r.deliveryId,
          });
        } catch (error) {
          results.push({
            name,
            status: 'failed',
            entries: 0,
            newEntries: 0,
            error: apiErrorMessage(error, 'importFiles').replace(path, name),
          });
        }
      }
      const added = results.reduce((n, r) => n + r.newEntries, 0);
      if (added > 0) events.emit({ type: 'entriesAdded', count: added, rooms: [] });
      return results;
    },

    async exportCsv({ filter, query, withReview }, out, target) {
      const details = { format: 'csv' as const, query: query ?? null, filter: cleanFilter(filter), withReview: withReview === true };
      const moderator = moderatorOf(db);
      // Recorded before the first byte leaves: an export cut short is in the trail too.
      const started = recordExportStart(db, target.path ?? `download ${target.name}`, { ...details, moderator });
      const hashed = hashedOutput(out);
      const cancel = new AbortController();
      exporting.add(cancel);
      let written = 0;
      try {
        const manifest = await reportedExport(
          events,
          // On a worker thread: the receiver on this thread keeps answering during a long export.
          (onProgress, onTotal) =>
            exportInWorker(db.name, details.filter, hashed.stream, {
              onProgress: (rows) => onProgress((written = rows)),
              onTotal,
              withReview: details.withReview,
              signal: cancel.signal,
            }),
          async (rows) => {
            written = rows;
            hashed.stream.end();
            await finished(hashed.stream);
            const made = recordExport(db, target.name, hashed.sha256(), { ...details, rows, moderator }, started);
            if (target.path) await writeFile(`${target.path}.manifest.json`, manifestJson(made));
            return made;
          },
        );
        return { rows: manifest.rows, destination: target.path, manifest };
      } catch (error) {
        recordExportFailure(db, started, written, errorMessage(error), moderator);
        throw error;
      } finally {
        exporting.delete(cancel);
      }
    },

    async cancelExport() {
      for (const cancel of exporting) cancel.abort();
      return exporting.size > 0;
    },
  };
}
