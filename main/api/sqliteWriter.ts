// The service's writer over a SQLite file (the receiver's connection): the review workflow's
// writes (reviewWrites.ts), quarantine retries, purges, imports, and exports with their manifest
// and audit rows. An export runs on a worker thread with its own connection, so the receiver on
// this thread keeps answering.
import { writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { ImportFileResult } from '../../shared/api.js';
import { errorMessage } from '../../shared/errorMessage.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import { exportInWorker } from '../export/entryExport.js';
import { hashedOutput, manifestJson, recordExport, recordExportFailure, recordExportStart } from '../export/manifest.js';
import { importFile } from '../intake/fileImport.js';
import { retryQuarantined } from '../intake/quarantineRetry.js';
import { purgeBefore } from '../retention/purge.js';
import { auditImport } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { pseudonymSalt } from '../store/settings.js';
import { localActor } from './actors.js';
import { apiErrorMessage } from './apiError.js';
import { reportedExport, type EventHub } from './events.js';
import { cleanFilter, type ReadRunner } from './readCalls.js';
import { sqliteReviewStore } from './reviewStore.js';
import { reviewWrites } from './reviewWrites.js';
import type { ServiceWriter } from './service.js';

export function sqliteWriter({
  db,
  reads,
  events,
  team = false,
}: {
  db: Db;
  reads: ReadRunner;
  events: EventHub;
  team?: boolean;
}): ServiceWriter {
  return {
    handlers: {
      ...reviewWrites(sqliteReviewStore(db), reads, (event, audience) => events.emit(event, audience), team),

      async retryQuarantined({ id }, actor) {
        const results = await retryQuarantined(db, id === undefined ? undefined : Number(id), actor.name);
        return results.map((r) =>
          r.status === 'stored' ? { id: r.id, status: r.status } : { id: r.id, status: r.status, reason: r.reason },
        );
      },

      async purge({ before, dryRun }, actor) {
        if (!Number.isFinite(before)) throw new UserFacingError('a purge needs a date: remove what is older than when?');
        const result = await purgeBefore(db, Number(before), { moderator: actor.name, dryRun: dryRun === true });
        if (!dryRun && result.removed > 0) events.emit({ type: 'reviewChanged' });
        return result;
      },
    },

    localActor: () => localActor(db),

    async importFiles(actor, { files }) {
      const results: ImportFileResult[] = [];
      for (const { path, name } of files) {
        try {
          const r = await importFile(db, path, {
            onProgress: (p) =>
              events.emit(
                { type: 'importProgress', name, bytesRead: p.bytesRead, totalBytes: p.totalBytes, entries: p.entries },
                actor.name,
              ),
          });
          // The moderator knows the file by its name, not by where main read it (an upload's spool).
          results.push({ name, status: r.status, entries: r.entries, newEntries: r.newEntries, error: r.error?.replace(path, name) });
          auditImport(db, actor.name, {
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

    async exportCsv(actor, { filter, query, withReview, pseudonymous }, out, target, signal) {
      const details = {
        format: 'csv' as const,
        query: query ?? null,
        filter: cleanFilter(filter),
        withReview: withReview === true,
        ids: pseudonymous === true ? ('pseudonymous' as const) : ('real' as const),
      };
      const moderator = actor.name;
      // Recorded before the first byte leaves: an export cut short is in the trail too.
      const started = recordExportStart(db, target.path ?? `download ${target.name}`, { ...details, moderator });
      const hashed = hashedOutput(out);
      let written = 0;
      try {
        const manifest = await reportedExport(
          events,
          actor.name,
          // On a worker thread: the receiver on this thread keeps answering during a long export.
          (onProgress, onTotal) =>
            exportInWorker(db.name, details.filter, hashed.stream, {
              onProgress: (rows) => onProgress((written = rows)),
              onTotal,
              withReview: details.withReview,
              signal,
              ...(details.ids === 'pseudonymous' ? { pseudonymSalt: pseudonymSalt(db) } : {}),
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
      }
    },
  };
}
