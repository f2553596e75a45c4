// The newest entry id with no entry at or below it still on its way: what a saved search's "seen"
// mark may be set to. On PostgreSQL writers draw ids from one sequence and commit in any order (a
// receiver's group, an import batch, another desk), so the newest committed id is not that: an
// import batch that drew lower ids may commit after it, and its entries would never count as new.
//
// Every transaction that adds entries holds ROW EXCLUSIVE on watch_queue from the statement that
// draws their ids to its end (migrations/0420-watch-queue.ts). So: read the newest committed id,
// then which transactions hold that lock, and wait until those have ended. Any of them with an id
// at or below it has then committed (or rolled back); a transaction that draws after the read
// draws higher ids. It waits by looking, not by asking for the lock: a lock asked for would hold
// every new delivery back behind it for as long as an import's batch takes. It waits for every
// holder, a watch round taking rows off the queue or a writer drawing above the newest too (those
// are short), and not for an older omv still serving the database, which queues nothing.
import type pg from 'pg';
import type { WriteSession } from './connection.js';

/** Between looks at the lock table: short at first (a receiver's group commits in milliseconds), then no busier than this. */
const LONGEST_PAUSE_MS = 50;

/** The newest entry's id (0 for none), as the session sees the entries now. */
export async function newestEntryId(session: Pick<WriteSession, 'query'>): Promise<number> {
  return (await session.query<{ id: number }>('SELECT coalesce(max(id), 0)::bigint AS id FROM entries')).rows[0]!.id;
}

const HOLDERS = `SELECT DISTINCT virtualtransaction FROM pg_locks
  WHERE locktype = 'relation' AND relation = to_regclass('watch_queue') AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid()`;

/**
 * The newest committed entry id once every transaction that might still add an entry below it
 * has ended; null if some are still running after `waitMs` (the caller keeps what it had).
 */
export async function newestSettledEntryId(pool: pg.Pool, waitMs: number): Promise<number | null> {
  const newest = await newestEntryId(pool);
  let holders = (await pool.query<{ virtualtransaction: string }>(HOLDERS)).rows.map((row) => row.virtualtransaction);
  const until = Date.now() + waitMs;
  for (let pause = 1; holders.length > 0; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    if (Date.now() >= until) return null;
    await new Promise((resolve) => setTimeout(resolve, pause));
    // A transaction that has ended holds no lock; its virtual id is not used again while the server runs.
    const still = await pool.query<{ virtualtransaction: string }>(`${HOLDERS} AND virtualtransaction = ANY($1)`, [holders]);
    holders = still.rows.map((row) => row.virtualtransaction);
  }
  return newest;
}
