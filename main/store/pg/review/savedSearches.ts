// Saved searches' changes over PostgreSQL, as store/savedSearches.ts makes them over SQLite: saved
// (a name already there takes the new query), opened (its new matches seen from then on), deleted;
// each in one transaction with its audit row, the saved search's row locked while it changes. Its
// "seen" mark is the newest entry with none below it still on its way (settledEntryId.ts).
import { parseSearch } from '../../../../shared/searchQuery.js';
import type { SavedSearch } from '../../../../shared/review.js';
import { toSavedSearch, type SavedRow } from '../../savedSearches.js';
import { ReviewError } from '../../tags.js';
import { inWriteTransaction, pgText } from '../connection.js';
import type { PgEngine } from '../engine.js';
import { newestSettledEntryId } from '../settledEntryId.js';
import { appendAuditRow } from '../writes.js';
import { rowId } from './watchlist.js';

/**
 * How long saving or opening waits for writers still adding entries (an import's batch: seconds).
 * Past it (a session left idle inside its transaction, say), saving is refused and opening keeps
 * the mark it had (its new entries shown as new again): either way no entry is marked seen before
 * it is stored.
 */
const SETTLE_MS = 10_000;

export async function saveSearch(engine: PgEngine, name: string, query: string, moderator: string): Promise<SavedSearch> {
  const label = name.trim();
  if (label === '' || label.length > 80) throw new ReviewError('a saved search needs a name of 1 to 80 characters');
  const parsed = parseSearch(query);
  if (parsed.errors.length) throw new ReviewError(parsed.errors.join('; '));
  const seen = await newestSettledEntryId(engine.reader.pool, SETTLE_MS);
  if (seen === null) throw new ReviewError('entries are still being stored (an import?): save the search again in a moment');
  return inWriteTransaction(
    engine.writes.writer.pool,
    async (session) => {
      const now = Date.now();
      const values = [pgText(label), pgText(query), now, seen];
      // One of that name is updated where it is (an upsert would draw an id it does not use, and the next search's id would not be SQLite's).
      const updated = await session.query(
        'UPDATE saved_searches SET query = $2, opened_at = $3, seen_entry_id = $4 WHERE name = $1 RETURNING id',
        values,
      );
      if (!updated.rowCount)
        await session.query(
          `INSERT INTO saved_searches (name, query, created_at, opened_at, seen_entry_id) VALUES ($1, $2, $3, $3, $4)
           ON CONFLICT (name) DO UPDATE SET query = excluded.query, opened_at = excluded.opened_at, seen_entry_id = excluded.seen_entry_id`,
          values,
        );
      await appendAuditRow(session, 'search saved', moderator, { name: label, query });
      // Just saved: nothing is new to it yet. Counting every saved search's matches is a read, not the writer's work.
      const row = (await session.query<SavedRow>('SELECT * FROM saved_searches WHERE name = $1', [pgText(label)])).rows[0]!;
      return toSavedSearch(row, 0);
    },
    { confirmed: true },
  );
}

/** Opened: its new matches are seen (audited: who looked at what, when). Answers the query to run. */
export async function openSavedSearch(engine: PgEngine, id: number, moderator: string): Promise<string> {
  // One that is not there is said at once, not after the wait (and again below, under its lock: it may go meanwhile).
  const there = await engine.reader.pool.query('SELECT 1 FROM saved_searches WHERE id = $1', [rowId(id)]);
  if (!there.rowCount) throw new ReviewError(`no saved search ${id}`);
  const seen = await newestSettledEntryId(engine.reader.pool, SETTLE_MS);
  return inWriteTransaction(
    engine.writes.writer.pool,
    async (session) => {
      const row = (await session.query<SavedRow>('SELECT * FROM saved_searches WHERE id = $1 FOR UPDATE', [rowId(id)])).rows[0];
      if (!row) throw new ReviewError(`no saved search ${id}`);
      await session.query('UPDATE saved_searches SET opened_at = $1, seen_entry_id = coalesce($2, seen_entry_id) WHERE id = $3', [
        Date.now(),
        seen,
        id,
      ]);
      await appendAuditRow(session, 'search opened', moderator, { name: row.name, query: row.query });
      return row.query;
    },
    { confirmed: true },
  );
}

/** Deletes a saved search (none: nothing, no audit row). */
export async function deleteSavedSearch(engine: PgEngine, id: number, moderator: string): Promise<void> {
  await inWriteTransaction(
    engine.writes.writer.pool,
    async (session) => {
      const row = (await session.query<{ name: string }>('SELECT name FROM saved_searches WHERE id = $1 FOR UPDATE', [rowId(id)])).rows[0];
      if (row === undefined) return;
      await session.query('DELETE FROM saved_searches WHERE id = $1', [id]);
      await appendAuditRow(session, 'search deleted', moderator, { name: row.name });
    },
    { confirmed: true },
  );
}
