// omv import: saved payload files or folders of them → the database, one line per file.
import { parseArgs } from 'node:util';
import { collectXmlFiles, IMPORT_CACHE_MIB, importFile } from '../intake/fileImport.js';
import { keepYoungGenerationSmall } from '../intake/importMemory.js';
import { auditImport } from '../store/audit.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { chosenStore, cliActor, openDatabaseFor, UsageError } from './common.js';
import { importEach, progressPrinter } from './importLines.js';

export async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, store: { type: 'string' }, domain: { type: 'string' } },
  });
  if (positionals.length === 0) throw new UsageError('name at least one file or folder to import');
  const store = chosenStore(values.store, values.db);
  keepYoungGenerationSmall();
  if (store !== undefined && isPostgresUrl(store))
    return (await import('./pgImport.js')).importToPg(store, positionals, values.domain ?? '');
  const db = openDatabaseFor(store, { cacheMiB: IMPORT_CACHE_MIB });
  const files = await collectXmlFiles(positionals);
  const onProgress = progressPrinter();
  const moderator = cliActor(db).name;
  try {
    return await importEach(
      files,
      (file) => importFile(db, file, { domainId: values.domain ?? '', onProgress, bulk: true }),
      (details) => void auditImport(db, moderator, details),
    );
  } finally {
    db.close();
  }
}
