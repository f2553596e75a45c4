// Forward watch matching's queue. SQLite commits entries in id order (one writer), so "matched up
// to the newest id" (settings' watch_checked_to) is a true bound there. On PostgreSQL writers draw
// ids from one sequence and commit in any order: a receiver's group, an import batch, a quarantine
// retry, another omv process. An entry committed after a newer one, with a lower id, fell behind
// that bound and was never matched forward. So every transaction that adds entries here queues
// their id range in the same transaction (payloadWriter.ts, bulkImport.ts), and a watch round takes
// off the rows it matched (review/watchlist.ts): what is queued is exactly what committed unmatched.
import type pg from 'pg';

export const version = 420;

export async function up(client: pg.ClientBase): Promise<void> {
  await client.query(`
    CREATE TABLE watch_queue (
      id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      first_id  bigint NOT NULL,
      last_id   bigint NOT NULL CHECK (last_id >= first_id)
    )`);
  await queueUncheckedEntries(client);
}

/**
 * The entries a store counted as matched up to watch_checked_to (this database's own before this
 * step, or a SQLite file's copied by migrate-store) left to match: queued. The setting stays, for
 * an older omv still serving this database while the others are upgraded (it goes on matching by
 * it); this version neither reads nor moves it.
 */
export async function queueUncheckedEntries(client: pg.ClientBase): Promise<void> {
  await client.query(`
    INSERT INTO watch_queue (first_id, last_id)
    SELECT c.checked + 1, n.newest
    FROM (SELECT coalesce((SELECT value::bigint FROM settings WHERE key = 'watch_checked_to'), 0) AS checked) c,
      (SELECT max(id) AS newest FROM entries) n
    WHERE n.newest > c.checked`);
}
