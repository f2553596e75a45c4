// The service's writer over a SQLite file (the receiver's connection): the review workflow's
// writes (reviewWrites.ts), quarantine retries, purges, imports, and exports with their manifest
// and audit rows (deskFiles.ts, shared with PostgreSQL's writer). An export runs on a worker
// thread with its own connection, so the receiver on this thread keeps answering.
import { exportInWorker } from '../export/entryExport.js';
import { recordExport, recordExportFailure, recordExportStart } from '../export/manifest.js';
import { importFile } from '../intake/fileImport.js';
import { retryQuarantined } from '../intake/quarantineRetry.js';
import { purgeBefore } from '../retention/purge.js';
import { auditImport } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { pseudonymSalt } from '../store/settings.js';
import { localActor } from './actors.js';
import { exportForDesk, importForDesk, purgeForDesk, retryAnswers } from './deskFiles.js';
import type { EventHub } from './events.js';
import type { ReadRunner } from './readCalls.js';
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

      retryQuarantined: async ({ id }, actor) =>
        retryAnswers(await retryQuarantined(db, id === undefined ? undefined : Number(id), actor.name)),

      purge: (args, actor) => purgeForDesk(events, actor, args, (before, options) => purgeBefore(db, before, options)),
    },

    localActor: () => localActor(db),

    importFiles: (actor, args) =>
      importForDesk(events, actor, args, {
        importFile: (path, onProgress) => importFile(db, path, { onProgress }),
        audit: async (moderator, details) => auditImport(db, moderator, details),
      }),

    exportCsv: (actor, args, out, target, signal) =>
      exportForDesk(events, actor, args, out, target, signal, {
        start: async (destination, details) => recordExportStart(db, destination, details),
        // On a worker thread: the receiver on this thread keeps answering during a long export.
        write: (to, { filter, withReview, pseudonymous, onProgress, onTotal, signal: stop }) =>
          exportInWorker(db.name, filter, to, {
            onProgress,
            onTotal,
            withReview,
            signal: stop,
            ...(pseudonymous ? { pseudonymSalt: pseudonymSalt(db) } : {}),
          }),
        failed: async (started, rows, error, moderator) => void recordExportFailure(db, started, rows, error, moderator),
        recorded: async (file, sha256, details, started) => recordExport(db, file, sha256, details, started),
      }),
  };
}
