// omv import --store postgres://…: the files into PostgreSQL (intake/pgFileImport.ts), with the
// same lines, totals, exit status and audit rows as omv import into a SQLite file.
import { collectXmlFiles, type ImportResult } from '../intake/fileImport.js';
import { importFileToPg } from '../intake/pgFileImport.js';
import { errorMessage } from '../../shared/errorMessage.js';
import { ImportTotals, progressPrinter } from './importLines.js';
import { actingName, withEngine } from './pgStore.js';

export function importToPg(url: string, paths: string[], domainId: string): Promise<number> {
  return withEngine(url, async (engine) => {
    const files = await collectXmlFiles(paths);
    const onProgress = progressPrinter();
    const totals = new ImportTotals();
    const moderator = actingName();
    for (const file of files) {
      let result: ImportResult;
      try {
        result = await importFileToPg(engine.writes.writer.pool, file, { domainId, onProgress });
      } catch (error) {
        result = { path: file, status: 'failed', deliveryId: null, entries: 0, newEntries: 0, error: `${file}: ${errorMessage(error)}` };
      }
      process.stdout.write(totals.line(result));
      await engine.writes.appendAudit('import', moderator, {
        file: result.path,
        status: result.status,
        entries: result.entries,
        newEntries: result.newEntries,
        deliveryId: result.deliveryId,
      });
      totals.add(result);
    }
    process.stdout.write(totals.summary(files.length));
    return totals.status;
  });
}
