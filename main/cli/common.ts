// What every command shares: the database flag, argument errors, time arguments (arguments.ts:
// apart, so a command can read its arguments before the SQLite binding is loaded).
import { userInfo } from 'node:os';
import { openDatabase, type Db, type OpenOptions } from '../store/db.js';
import { defaultDatabasePath } from '../store/paths.js';
import { writeDirect } from './directOutput.js';
import { forTerminal } from './terminalText.js';

export { UsageError } from './usageError.js';
export { parseByteSize, parsePositiveInteger, parsePositiveSeconds, parseTimeArgument } from './arguments.js';

export function openDatabaseFor(dbFlag: string | undefined, options: OpenOptions = {}): Db {
  const path = dbFlag ?? defaultDatabasePath();
  writeDirect(2, `omv: database ${forTerminal(path)}\n`);
  return openDatabase(path, options);
}

/** Who is acting, for the audit trail: $OMV_MODERATOR, else the operating system's user name. */
export function moderatorName(env = process.env): string {
  return env['OMV_MODERATOR']?.trim() || userInfo().username;
}
