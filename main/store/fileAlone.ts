// A SQLite file held by one connection alone, for as long as it is open: no other process (omv
// serve, the desk and its query hosts, another command) can read or write the file meanwhile, and
// one that has it open already makes the hold fail at once. What a move of the whole file needs
// (omv migrate-store): a receiver idle on the file holds no lock a copy would wait for, yet would
// acknowledge the next delivery into the file after the copy, where the new store never sees it.
import type { Db } from './db.js';

export class FileInUseError extends Error {}

/** Holds `db`'s file alone until `db` is closed, waiting at most `waitMs` for other connections to let go. */
export function holdFileAlone(db: Db, waitMs = 1000): void {
  db.pragma(`busy_timeout = ${Math.trunc(waitMs)}`);
  // Exclusive locking keeps the lock a write transaction takes once it ends; in WAL mode (every
  // omv database: openDatabase sets it) taking it fails while any other connection has the file
  // open, even one doing nothing. (In rollback-journal mode an idle connection holds no lock to see.)
  db.pragma('locking_mode = EXCLUSIVE');
  try {
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    db.pragma('locking_mode = NORMAL');
    if (!String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) throw error;
    throw new FileInUseError(
      'another process has the SQLite file open (omv serve, the desk, another omv command): stop it, then migrate; ' +
        'a delivery it acknowledged into the file after the copy would never reach the new store',
    );
  }
}
