// A bulk load: a large file imported into an empty or much smaller database. Keeping the time and
// user indexes and the full-text index up to date entry by entry costs three quarters of such an
// import (1M entries: ~10 s of ~13); building them once, after the entries are in, costs a third
// of that. So a bulk load drops the two secondary indexes of entries (the identity index stays:
// it is what finds an entry already stored), writes the entries without indexing their content,
// then — in the transaction that finishes the import — indexes its entries' content in one
// statement and builds the indexes again, exactly as they were (their SQL is kept).
//
// Searches meanwhile miss what the load has written so far, and pages walk without the indexes;
// other writers (a receiver beside `omv import`) keep indexing their own entries. The load is
// recorded in `settings` in the transaction that drops the indexes, so one cut short (kill -9, a
// full disk) is finished by the next omv that opens the database for writing — unless the process
// that began it is still at work, which finishes it itself: one of this machine while it runs,
// another machine's while its import's claim is touched (importClaims.ts; a machine that went away
// mid-load leaves it for STALE_MS). Either way the entries, the indexes and the full-text index
// end up as an import entry by entry leaves them (test/importPaths.test).
import { hostname } from 'node:os';
import type { Db } from './db.js';
import { importAtWork } from './importClaims.js';
import { processRunning } from './liveProcess.js';
import { getSetting, setSetting } from './settings.js';

const MARKER = 'bulk_load';

const readMarker = (db: Db) => getSetting(db, MARKER);
const writeMarker = (db: Db, value: string) => setSetting(db, MARKER, value);
/** The secondary indexes a bulk load drops and builds again. */
const SECONDARY_INDEXES = ['entries_ts', 'entries_user_ts'];
/** FTS5's pending terms while the load's content is indexed (FTS_HASH_BYTES otherwise): fewer, larger segments, a quarter less work. */
const BULK_FTS_HASH_BYTES = 16 * 1024 * 1024;
/** A file counts as much larger than the database when it holds more than this many times its entries. */
const MUCH_LARGER = 4;
/** The size of an entry in a payload file, roughly (the synthetic files: 177 bytes). */
const BYTES_PER_ENTRY = 180;

export interface BulkLoad {
  deliveryId: number;
  /** Entries after this id are the load's (its delivery's) or other writers'. */
  after: number;
  /** The dropped indexes' SQL, to build them again as they were. */
  indexes: string[];
  pid: number;
  host: string;
}

/** Whether importing a file of `bytes` is worth a bulk load: the database is empty or much smaller than the file. */
export function worthBulkLoading(db: Db, bytes: number): boolean {
  if (readMarker(db) !== null) return false; // one at a time
  const entries = db.prepare<[], number>('SELECT coalesce(sum(entry_count), 0) FROM rooms').pluck().get()!;
  return entries * MUCH_LARGER * BYTES_PER_ENTRY < bytes;
}

/**
 * Starts a bulk load for a delivery: recorded, and the secondary indexes dropped, in one
 * transaction; null when another process began one since worthBulkLoading looked (the import then
 * goes entry by entry).
 */
export function beginBulkLoad(db: Db, deliveryId: number): BulkLoad | null {
  return db
    .transaction((): BulkLoad | null => {
      if (readMarker(db) !== null) return null;
      const indexes = SECONDARY_INDEXES.map(
        (name) => db.prepare<[string], string>("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").pluck().get(name) ?? null,
      ).filter((sql): sql is string => sql !== null);
      const after = db.prepare<[], number | null>('SELECT max(id) FROM entries').pluck().get() ?? 0;
      const load: BulkLoad = { deliveryId, after, indexes, pid: process.pid, host: hostname() };
      writeMarker(db, JSON.stringify(load));
      for (const name of SECONDARY_INDEXES) db.exec(`DROP INDEX IF EXISTS ${name}`);
      running.add(keyOf(load));
      return load;
    })
    .immediate();
}

/**
 * Indexes the load's entries' content and builds the dropped indexes again; the caller's
 * transaction makes it whole with the rest of the import's end. Only the load's own entries are
 * indexed: another writer's entries in between were indexed as they were written.
 */
export function finishBulkLoad(db: Db, load: BulkLoad): void {
  const hashsize = db.prepare<[], string | null>("SELECT v FROM entries_fts_config WHERE k = 'hashsize'").pluck().get() ?? null;
  // A number written into the statement: FTS5 takes none bound for its configuration.
  const setHashsize = (bytes: number) => db.exec(`INSERT INTO entries_fts (entries_fts, rank) VALUES ('hashsize', ${Math.trunc(bytes)})`);
  setHashsize(BULK_FTS_HASH_BYTES);
  // Entries of the load indexed already (an import of its file taking over, entry by entry, while
  // the load waited to be finished) are not indexed again: twice, FTS5 would call its index
  // malformed. Looked for first: nearly always there are none, and the plain statement is faster.
  const someIndexed =
    db
      .prepare('SELECT 1 FROM entries_fts_docsize d JOIN entries e ON e.id = d.id WHERE d.id > ? AND e.delivery_id = ? LIMIT 1')
      .get(BigInt(load.after), load.deliveryId) !== undefined;
  db.prepare(
    `INSERT INTO entries_fts (rowid, content) SELECT id, content FROM entries WHERE id > ? AND delivery_id = ?${
      someIndexed ? ' AND NOT EXISTS (SELECT 1 FROM entries_fts_docsize d WHERE d.id = entries.id)' : ''
    }`,
  ).run(BigInt(load.after), load.deliveryId);
  if (hashsize === null) db.prepare("DELETE FROM entries_fts_config WHERE k = 'hashsize'").run();
  else setHashsize(Number(hashsize));
  for (const sql of load.indexes) db.exec(sql.replace(/^CREATE (UNIQUE )?INDEX /i, (start) => `${start}IF NOT EXISTS `));
  db.prepare('DELETE FROM settings WHERE key = ?').run(MARKER);
}

/** This process no longer runs the load (finished, or given up: the next opener finishes it). */
export function endBulkLoad(load: BulkLoad): void {
  running.delete(keyOf(load));
}

/** The loads this process is running (its own are never finished by another of its connections). */
const running = new Set<string>();
const keyOf = (load: BulkLoad) => `${load.host}:${load.pid}:${load.deliveryId}:${load.after}`;

function isRunning(db: Db, load: BulkLoad): boolean {
  if (load.host !== hostname()) return importAtWork(db, load.deliveryId);
  return load.pid === process.pid ? running.has(keyOf(load)) : processRunning(load);
}

/**
 * Finishes a bulk load that was cut short (its process is gone): called when a database is opened
 * for writing. Nothing to do, nearly always: one lookup.
 */
export function finishInterruptedBulkLoad(db: Db): boolean {
  const recorded = readMarker(db);
  if (recorded === null) return false;
  const load = JSON.parse(recorded) as BulkLoad;
  if (isRunning(db, load)) return false;
  try {
    db.transaction(() => {
      // Looked at again inside the write lock: another opener may have finished it meanwhile.
      if (readMarker(db) === recorded) finishBulkLoad(db, load);
    }).immediate();
  } catch (error) {
    // Locked all the while: the load is being finished now (another machine's, in the transaction
    // that ends its import, which can outlast STALE_MS at a few hundred million entries).
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw error;
  }
  return true;
}
