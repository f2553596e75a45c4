// What every command shares: the database flag, argument errors, time arguments (arguments.ts:
// apart, so a command can read its arguments before the SQLite binding is loaded).
import type { Actor } from '../../shared/access.js';
import { operatorActor } from '../api/actors.js';
import type { OmvService } from '../api/service.js';
import { openDatabase, type Db, type OpenOptions } from '../store/db.js';
import { defaultDatabasePath } from '../store/paths.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { actingAsName } from './actingAs.js';
import { writeDirect } from './directOutput.js';
import { forTerminal } from '../../shared/visibleText.js';
import { UsageError } from './usageError.js';

export { UsageError };
export { parseByteSize, parsePort, parsePositiveInteger, parsePositiveSeconds, parseTimeArgument } from './arguments.js';

/**
 * Where the data is: --store (a SQLite file, or a PostgreSQL database postgres://…) or --db FILE,
 * else $OMV_STORE; undefined leaves it to openDatabaseFor ($OMV_DB, else the default file).
 */
export function chosenStore(storeFlag: string | undefined, dbFlag: string | undefined): string | undefined {
  if (storeFlag !== undefined && dbFlag !== undefined) throw new UsageError('give --store or --db, not both');
  return storeFlag ?? dbFlag ?? (process.env['OMV_STORE'] || undefined);
}

/**
 * The file of a command that reads a SQLite file only (stats, quarantine, reports): --db FILE (or
 * --store FILE, as the other commands take it), else $OMV_STORE when it names a file. One that
 * names a PostgreSQL database is refused, saying why, not passed over for the default file (which
 * would answer for another store, as if it were this one).
 */
export function sqliteFileFor(command: string, dbFlag: string | undefined, storeFlag?: string): string | undefined {
  const store = chosenStore(storeFlag, dbFlag);
  if (store !== undefined && isPostgresUrl(store)) {
    const named = storeFlag !== undefined ? '--store' : dbFlag !== undefined ? '--db' : '$OMV_STORE';
    throw new UsageError(
      `omv ${command} reads a SQLite file only, and ${named} names a PostgreSQL database: give --db FILE, or open the desk on it (omv serve --store …)`,
    );
  }
  return store;
}

export function openDatabaseFor(dbFlag: string | undefined, options: OpenOptions = {}): Db {
  const path = dbFlag ?? defaultDatabasePath();
  writeDirect(2, `omv: database ${forTerminal(path)}\n`);
  return openDatabase(path, options);
}

/** Who is acting, for the audit trail: --as NAME, else $OMV_MODERATOR, else the desk's moderator, else the OS user (main/api/actors.ts). */
export function cliActor(db: Db): Actor {
  return operatorActor(db, actingAsName());
}

/** The API, as the desk has it, for a command that changes what moderators see (the CLI goes through it too). */
export async function cliService(db: Db): Promise<OmvService> {
  const [{ createService }, { sqliteWriter }, { readsOnThisThread }, { EventHub }] = await Promise.all([
    import('../api/service.js'),
    import('../api/sqliteWriter.js'),
    import('../api/readCalls.js'),
    import('../api/events.js'),
  ]);
  const reads = readsOnThisThread(db);
  const events = new EventHub();
  return createService({
    reads,
    writer: sqliteWriter({ db, reads, events }),
    events,
    receiver: { callbackUrl: () => null, problem: () => null },
  });
}
