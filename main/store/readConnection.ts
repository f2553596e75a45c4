// A connection for a command that only reads and must answer at once (omv search): the SQLite
// binding and no more — not the migrations (ten modules, 3 ms of a command's start) nor a writer's
// settings. It is handed out only for a database that needs nothing done first: at the schema
// this omv knows, with no bulk load left to finish; otherwise the caller opens it for writing
// (openDatabase), which does what is needed.
import Database from 'better-sqlite3';
import type { Db } from './db.js';

/**
 * The schema version this omv writes: MIGRATIONS' last (test/migrations checks they agree). A
 * database at another version is opened the full way, which migrates it or refuses it.
 */
export const CURRENT_SCHEMA = 440;

export function openReadConnection(path: string, { busyTimeoutMs = 5000, cacheMiB = 32 } = {}): Db | null {
  const db = new Database(path, { fileMustExist: true });
  try {
    // Not SQLite's read-only open: that cannot create the WAL index when no writer has the file open.
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}; PRAGMA cache_size = ${-1024 * cacheMiB}; PRAGMA query_only = ON;`);
    const ready =
      db.pragma('user_version', { simple: true }) === CURRENT_SCHEMA &&
      db.prepare("SELECT count(*) FROM settings WHERE key = 'bulk_load'").pluck().get() === 0;
    if (ready) return db;
  } catch (error) {
    db.close();
    throw error;
  }
  db.close();
  return null;
}
