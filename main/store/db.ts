// Opens the one SQLite file everything lives in. This folder is the only code that speaks SQL.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { finishInterruptedBulkLoad } from './bulkLoad.js';
import { migrate } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** How long a write waits for another writer's lock before giving up (ms). */
  busyTimeoutMs?: number;
  /** For commands that only read: a missing file is an error, not a new empty database. */
  mustExist?: boolean;
  /** A connection that only reads (query workers, export): no migrations, no writes. */
  readOnly?: boolean;
  /** SQLite's page cache (default 32 MiB: hot index pages stay in memory). A sequential read
   * such as an export needs little, and memory stays flatter without it. */
  cacheMiB?: number;
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (options.mustExist && !existsSync(path)) throw new Error(`no database at ${path}`);
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, options.readOnly ? { fileMustExist: true } : {});
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma(`cache_size = ${-1024 * (options.cacheMiB ?? 32)}`);
  if (options.readOnly) {
    // Not SQLite's read-only open: that cannot create the WAL index when no writer has the file open.
    db.pragma('query_only = ON');
    return db;
  }
  // In one call (each db.pragma() is a statement prepared and run: a command's start pays for each).
  // FULL: a commit is on disk before we answer 200, power loss included. Group commit
  // (intake/receiver/groupCommit.ts) spreads the cost of the sync over the deliveries arriving together.
  // journal_size_limit: after a checkpoint the WAL is cut back to this size, so a burst (or a full
  // disk that left it long) does not keep the file large for good.
  db.exec(
    `PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA journal_size_limit = ${64 * 1024 * 1024}; PRAGMA foreign_keys = ON; PRAGMA secure_delete = FAST;`,
  );
  // secure_delete = FAST: space a write frees inside the pages it writes anyway is zeroed (no
  // extra I/O). Without it, a page split by the receiver left old rows' bytes in the page it
  // emptied, out of a purge's reach.
  migrate(db);
  // A bulk import cut short (its process gone) is finished before anything else uses the database.
  finishInterruptedBulkLoad(db);
  return db;
}

/**
 * Something built once per connection (prepared statements, mostly: preparing costs as much as
 * running a small statement, and a callback runs a handful of them) and dropped with it.
 */
export function perConnection<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let value = built.get(db);
    if (value === undefined) built.set(db, (value = build(db)));
    return value;
  };
}

const statementsOf = perConnection(() => new Map<string, Database.Statement>());

/** `db.prepare(source)`, prepared once per connection. */
export function prepareCached<P extends unknown[] | object = unknown[], R = unknown>(db: Db, source: string): Database.Statement<P, R> {
  const prepared = statementsOf(db);
  let statement = prepared.get(source);
  if (!statement) prepared.set(source, (statement = db.prepare(source)));
  return statement as Database.Statement<P, R>;
}
