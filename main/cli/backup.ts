// omv backup: a consistent copy of the database, taken while omv serve (or the desktop app) keeps
// receiving: SQLite's online backup copies pages in steps and starts over if a writer changes
// what it already copied, so the copy is a moment's state, whole. The copy is then checked.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkDatabase } from '../store/check.js';
import { openDatabase } from '../store/db.js';
import { recordAction } from '../store/audit.js';
import { chosenStore, cliActor, openDatabaseFor, UsageError } from './common.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { forTerminal } from '../../shared/visibleText.js';
import { errorMessage } from '../../shared/errorMessage.js';

export async function backupCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, store: { type: 'string' } },
  });
  const [target, ...rest] = positionals;
  if (!target || rest.length > 0) throw new UsageError('name one file to write the backup to');
  if (existsSync(target)) throw new UsageError(`${target} exists already: name a new file`);
  const store = chosenStore(values.store, values.db);
  if (store !== undefined && isPostgresUrl(store)) return (await import('./pgStore.js')).backupPg(store, target);
  const db = openDatabaseFor(store, { mustExist: true });
  try {
    const started = performance.now();
    const progress = process.stderr.isTTY
      ? ({ totalPages, remainingPages }: { totalPages: number; remainingPages: number }) => {
          process.stderr.write(`\r\x1b[Komv: backing up… ${Math.floor((100 * (totalPages - remainingPages)) / Math.max(1, totalPages))}%`);
          return 2000;
        }
      : () => 2000;
    const { totalPages } = await db.backup(target, { progress }).catch((error: unknown) => {
      // SQLite's own words name no file ("unable to open database file"): it is the copy's, not the database's.
      throw new Error(`could not write the backup to ${target}: ${errorMessage(error)}`);
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const copy = openDatabase(target, { readOnly: true });
    const check = checkDatabase(copy, { quick: true });
    copy.close();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    // A copy of every chat log is data leaving the database: the trail says who made it, and where.
    recordAction(db, 'backup', cliActor(db).name, { to: resolve(target), pages: totalPages, checked: check.ok });
    process.stdout.write(
      `omv: backed up ${totalPages.toLocaleString('en-US')} pages to ${target} in ${seconds} s; the copy ${check.ok ? 'checks out' : `is damaged: ${forTerminal(check.lines.join('; '))}`}\n`,
    );
    return check.ok ? 0 : 1;
  } finally {
    db.close();
  }
}
