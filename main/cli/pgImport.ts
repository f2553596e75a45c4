// omv import --store postgres://…: the files into PostgreSQL (intake/pgFileImport.ts), with the
// same lines, totals, exit status and audit rows as omv import into a SQLite file.
import { collectXmlFiles } from '../intake/fileImport.js';
import { importFileToPg } from '../intake/pgFileImport.js';
import { importEach, progressPrinter } from './importLines.js';
import { actingName, withEngine } from './pgStore.js';

export function importToPg(url: string, paths: string[], domainId: string): Promise<number> {
  return withEngine(url, async (engine) => {
    const files = await collectXmlFiles(paths);
    const onProgress = progressPrinter();
    const moderator = actingName();
    return importEach(
      files,
      (file) => importFileToPg(engine.writes.writer.pool, file, { domainId, onProgress }),
      (details) => engine.writes.appendAudit('import', moderator, details),
    );
  });
}
