// The service's writer over a PostgreSQL store: the review workflow's changes through the same
// reviewWrites.ts as on SQLite, over PostgreSQL's review store (pgReviewStore.ts), and the desk's
// imports, exports and purges through the same deskFiles.ts as SQLite's writer, over the code of
// omv import, export and purge --store (intake/pgFileImport.ts, export/pgExport.ts,
// store/pg/purge.ts); quarantine retries by intake/pgQuarantineRetry.ts.
import type { PurgeSummary } from '../../shared/api.js';
import { PgExport } from '../export/pgExport.js';
import { importFileToPg } from '../intake/pgFileImport.js';
import { retryQuarantinedPg } from '../intake/pgQuarantineRetry.js';
import type { PgEngine } from '../store/pg/engine.js';
import type { PgPurgeResult } from '../store/pg/purge.js';
import { exportForDesk, importForDesk, purgeForDesk, retryAnswers } from './deskFiles.js';
import type { EventHub } from './events.js';
import { pgReviewStore } from './pgReviewStore.js';
import type { ReadRunner } from './readCalls.js';
import { reviewWrites } from './reviewWrites.js';
import type { ServiceWriter } from './service.js';

/**
 * A PostgreSQL purge as the desk's answer (SQLite's purgeBefore's): the whole months it dropped as
 * tables are in its audit row, not the answer. `walTruncated` is false: PostgreSQL's write-ahead
 * log keeps what was deleted until its checkpoints recycle it (store/pg/purge.ts), which a purge
 * does not force.
 */
export function purgeSummary({ monthsDropped: _monthsDropped, ...result }: PgPurgeResult): PurgeSummary {
  return { ...result, walTruncated: false };
}

/** The read pool's statement_timeout (ms): a page of an export that takes longer is stopped by the server. */
async function readTimeoutMs(engine: PgEngine): Promise<number> {
  const row = await engine.reader.pool.query<{ ms: string }>("SELECT setting AS ms FROM pg_settings WHERE name = 'statement_timeout'");
  return Number(row.rows[0]?.ms ?? 0);
}

export async function pgDeskWriter(
  engine: PgEngine,
  { reads, events, team = false }: { reads: ReadRunner; events: EventHub; team?: boolean },
): Promise<ServiceWriter> {
  const store = await pgReviewStore(engine);
  return {
    handlers: {
      ...reviewWrites(store, reads, (event, audience) => events.emit(event, audience), team),

      retryQuarantined: async ({ id }, actor) =>
        retryAnswers(await retryQuarantinedPg(engine, id === undefined ? undefined : Number(id), actor.name)),

      purge: (args, actor) =>
        purgeForDesk(events, actor, args, async (before, options) => purgeSummary(await engine.writes.purge(before, options))),
    },

    localActor: () => store.localActor(),

    importFiles: (actor, args) =>
      importForDesk(events, actor, args, {
        importFile: (path, onProgress) => importFileToPg(engine.writes.writer.pool, path, { onProgress }),
        audit: (moderator, details) => engine.writes.appendAudit('import', moderator, details),
      }),

    async exportCsv(actor, args, out, target, signal) {
      let rows: PgExport | undefined;
      return exportForDesk(events, actor, args, out, target, signal, {
        start: async (destination, details) => {
          rows = new PgExport(engine, details.filter, await readTimeoutMs(engine));
          return rows.start(destination, details);
        },
        write: async (to, { withReview, pseudonymous, onProgress, onTotal, signal: stop }) =>
          rows!.write(to, {
            format: 'csv',
            neutraliseFormulas: true,
            withReview,
            ...(pseudonymous ? { pseudonymSalt: (await store.deskFacts()).pseudonymSalt } : {}),
            onProgress,
            onTotal,
            signal: stop,
          }),
        failed: (started, written, error, moderator) => rows!.failed(started, written, error, moderator),
        recorded: (file, sha256, details, started) => rows!.recorded(file, sha256, details, started),
      });
    },
  };
}
