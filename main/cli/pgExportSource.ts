// omv export's rows from a PostgreSQL store (export/pgExport.ts), recorded in its audit trail.
import type { EntryFilter } from '../../shared/api.js';
import { pgReviewStore } from '../api/pgReviewStore.js';
import { PgExport } from '../export/pgExport.js';
import type { ExportSource, ExportSourceOptions } from './export.js';
import { actingName, openStoreEngine } from './pgStore.js';

export async function pgExportSource(url: string, filter: EntryFilter, options: ExportSourceOptions): Promise<ExportSource> {
  // A page of a search that finds nothing for --timeout is stopped by the server (statement_timeout), as SQLite's export stops.
  const engine = await openStoreEngine(url, { readTimeoutMs: options.stallTimeoutMs, readers: 1, monthsAhead: false });
  const moderator = actingName();
  const rows = new PgExport(engine, filter, options.stallTimeoutMs);
  // This database's salt, made on first use as a desk makes it (pgReviewStore.ts): the pseudonyms the desk shows.
  let pseudonymSalt: string | undefined;
  try {
    if (options.pseudonymous) pseudonymSalt = (await (await pgReviewStore(engine)).deskFacts()).pseudonymSalt;
  } catch (error) {
    await engine.close();
    throw error;
  }
  return {
    moderator,
    start: (destination, details) => rows.start(destination, details),
    write: (out, onProgress) =>
      rows.write(out, {
        format: options.format,
        neutraliseFormulas: options.neutraliseFormulas,
        withReview: options.withReview,
        ...(pseudonymSalt === undefined ? {} : { pseudonymSalt }),
        onProgress,
      }),
    failed: (started, written, error) => rows.failed(started, written, error, moderator),
    recorded: (file, sha256, details, started) => rows.recorded(file, sha256, details, started),
    close: () => engine.close(),
  };
}
