// omv check: is the database whole (pages, indexes, the full-text index, the kept counters)? With
// --repair, the full-text index is first made again from the entries where it is not what they hold.
import { parseArgs } from 'node:util';
import { checkDatabase, repairFullTextIndex, RESTORE_ADVICE } from '../store/check.js';
import { chosenStore, cliActor, openDatabaseFor } from './common.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { forTerminal } from '../../shared/visibleText.js';
import { printCheck, printRepair } from './storeAnswers.js';

export async function checkCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { db: { type: 'string' }, store: { type: 'string' }, repair: { type: 'boolean', default: false } },
  });
  const store = chosenStore(values.store, values.db);
  if (store !== undefined && isPostgresUrl(store)) return (await import('./pgStore.js')).checkPgStore(store, { repair: values.repair! });
  let db;
  try {
    db = openDatabaseFor(store, { mustExist: true }); // FTS5's check is a write statement, though it writes nothing
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_CORRUPT' && (error as { code?: string }).code !== 'SQLITE_NOTADB') throw error;
    process.stdout.write(
      `the file could not be opened as a database: ${forTerminal((error as Error).message)}\ndatabase damaged. ${RESTORE_ADVICE}\n`,
    );
    return 1;
  }
  try {
    const started = performance.now();
    if (values.repair) printRepair(repairFullTextIndex(db, cliActor(db).name) ? 'the full-text index rebuilt from the entries' : null);
    return printCheck(checkDatabase(db), started);
  } finally {
    db.close();
  }
}
