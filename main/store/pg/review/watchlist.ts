// The watchlist's changes over PostgreSQL, as store/watchlist.ts makes them over SQLite: terms
// added (read by the same watchTermsOf) and removed, matches recorded and alerts cleared, each in
// one transaction on the writer's pool with its audit row; and watch matching's store
// (WatchRecords), so api/watchAlerts.ts runs the same rounds here: "check existing entries" and,
// on a desk serving this store, new entries matched as they arrive.
import type { WatchMatch, WatchTerm } from '../../../../shared/review.js';
import { watchTermsOf, type TermToMatch, type WatchHit, type WatchRecords } from '../../watchlist.js';
import { inWriteTransaction, pgText, type WriteSession } from '../connection.js';
import type { PgEngine } from '../engine.js';
import { listWatchTerms } from '../desk/watchlist.js';
import { newestEntryId } from '../settledEntryId.js';
import { appendAuditRow } from '../writes.js';

/** Queue rows a forward matching round takes at most (more: another round). */
const QUEUE_ROWS_PER_ROUND = 10_000;

/** Queued ranges this close (in ids) are searched as one range. */
const NEAR = 1_000;

/** An id as SQLite compares it: a whole number is looked up; anything else (NaN, 1.5, 1e20) finds no row. */
export const rowId = (id: number): number | null => (Number.isSafeInteger(id) ? id : null);

export async function addWatchTerms(engine: PgEngine, text: string, moderator: string): Promise<string[]> {
  const terms = watchTermsOf(text);
  return inWriteTransaction(
    engine.writes.writer.pool,
    async (session) => {
      // A term looks at the entries after the newest one. Writers commit in any order here, so an
      // entry with a lower id can still be on its way: every transaction that adds entries queues
      // them in the statement that draws their ids (watch_queue, ROW EXCLUSIVE), and this lock waits
      // for those in flight and holds new ones back until the term is added (their next statement waits).
      await session.query('LOCK TABLE watch_queue IN SHARE MODE');
      const newest = await newestEntryId(session);
      const added: string[] = [];
      for (const term of terms) {
        // A term already there draws no id (as SQLite's INSERT OR IGNORE): the next term's id is SQLite's too.
        const inserted = await session.query(
          `INSERT INTO watch_terms (term, added_at, after_entry_id) SELECT $1, $2, $3
           WHERE NOT EXISTS (SELECT 1 FROM watch_terms WHERE term = $1) ON CONFLICT (term) DO NOTHING`,
          [pgText(term), Date.now(), newest],
        );
        if (inserted.rowCount) added.push(term);
      }
      if (added.length) await appendAuditRow(session, 'watchlist added', moderator, { terms: added });
      return added;
    },
    { confirmed: true },
  );
}

/** Removes a term and its matches (none: nothing, no audit row); answers the terms as listWatchTerms has them after. */
export async function removeWatchTerm(engine: PgEngine, id: number, moderator: string): Promise<WatchTerm[]> {
  await inWriteTransaction(
    engine.writes.writer.pool,
    async (session) => {
      const row = (await session.query<{ term: string }>('SELECT term FROM watch_terms WHERE id = $1 FOR UPDATE', [rowId(id)])).rows[0];
      if (row === undefined) return;
      await session.query('DELETE FROM watch_matches WHERE term_id = $1', [id]);
      await session.query('DELETE FROM watch_terms WHERE id = $1', [id]);
      await appendAuditRow(session, 'watchlist removed', moderator, { term: row.term });
    },
    { confirmed: true },
  );
  return listWatchTerms(engine.reader);
}

/**
 * Matched entries, newest first, each once with the terms it matched (in the order they were
 * added); `markSeen` clears the alerts (audited, as `moderator`). The list is as it was before the clearing.
 */
export async function watchMatches(engine: PgEngine, { limit = 200, markSeen = false, moderator = '' } = {}): Promise<WatchMatch[]> {
  const list = async (on: Pick<WriteSession, 'query'>) =>
    (
      await on.query<{ term: string; entry_id: number; seen: number }>(
        `SELECT string_agg(w.term, ', ' ORDER BY w.id) AS term, m.entry_id, min(m.seen) AS seen
         FROM watch_matches m JOIN watch_terms w ON w.id = m.term_id JOIN entries e ON e.id = m.entry_id
         GROUP BY m.entry_id ORDER BY max(e.ts) DESC, m.entry_id DESC LIMIT $1`,
        [Math.trunc(limit)],
      )
    ).rows;
  const rows = !markSeen
    ? await list(engine.reader.pool)
    : await inWriteTransaction(
        engine.writes.writer.pool,
        async (session) => {
          // The list and its clearing are one: a match a watch round records meanwhile waits, and is
          // never cleared unseen. A desk clearing at the same moment waits too, then finds none left.
          await session.query('LOCK TABLE watch_matches IN SHARE ROW EXCLUSIVE MODE');
          const listed = await list(session);
          const cleared = await session.query<{ entry_id: number }>('UPDATE watch_matches SET seen = 1 WHERE seen = 0 RETURNING entry_id');
          const alerts = new Set(cleared.rows.map((row) => row.entry_id)).size;
          if (alerts > 0) await appendAuditRow(session, 'alerts cleared', moderator, { alerts });
          return listed;
        },
        { confirmed: true },
      );
  const entries = await Promise.all(rows.map((row) => engine.reads.entryById(row.entry_id)));
  return rows.map((row, i) => ({ term: row.term, seen: row.seen === 1, entry: entries[i]! }));
}

/** Watch matching's store over PostgreSQL: reads on the read pool, records and the audit row on the writer's. */
export function pgWatchRecords(engine: PgEngine): WatchRecords {
  const reader = engine.reader.pool;
  return {
    async termsToMatch(termId) {
      // As SQLite binds it: undefined or NaN (bound as NULL) is every term; another number that is no id, none.
      const every = termId === undefined || Number.isNaN(termId);
      const { rows } = await reader.query<TermToMatch>(
        'SELECT id, term, after_entry_id FROM watch_terms WHERE $1::boolean OR id = $2 ORDER BY id',
        [every, every ? null : rowId(termId)],
      );
      return rows;
    },

    newestEntryId: () => newestEntryId(reader),

    // What is queued, not "everything after the newest id matched": writers commit in any order here
    // (migrations/0420-watch-queue.ts). Rows of near ranges are searched as one: ids between them are
    // another writer's, committed (matched again: a match already there is kept as it is) or not yet
    // (not seen, and queued by their own transaction).
    async unmatched() {
      const { rows } = await reader.query<{ id: number; first_id: number; last_id: number }>(
        'SELECT id, first_id, last_id FROM watch_queue ORDER BY first_id, id LIMIT $1',
        [QUEUE_ROWS_PER_ROUND],
      );
      const ranges: Array<{ after: number; upTo: number }> = [];
      for (const row of rows) {
        const last = ranges.at(-1);
        if (last !== undefined && row.first_id - 1 <= last.upTo + NEAR) last.upTo = Math.max(last.upTo, row.last_id);
        else ranges.push({ after: row.first_id - 1, upTo: row.last_id });
      }
      return { ranges, queued: rows.map((row) => row.id), more: rows.length === QUEUE_ROWS_PER_ROUND };
    },

    recordWatchHits: (hits, round) =>
      round === undefined
        ? inWriteTransaction(engine.writes.writer.pool, (session) => recordWatchHits(session, hits), { confirmed: true })
        : // Forward matching, after every delivery: what it writes is found again from the entries (a standby
          // that lacks it after a failover still has the queue's rows, and matches those entries again),
          // so its commit does not wait for a synchronous standby. One away would hold the writer's second
          // session in every round, and a wait cancelled would be taken for a delivery's.
          inWriteTransaction(engine.writes.writer.pool, async (session) => {
            await session.query('SET LOCAL synchronous_commit = local');
            return recordWatchHits(session, hits, round.queued ?? []);
          }),

    async auditWatchCheck(moderator, terms, found) {
      await inWriteTransaction(
        engine.writes.writer.pool,
        (session) => appendAuditRow(session, 'watchlist checked', moderator, { terms: terms.map((t) => t.term), found }),
        { confirmed: true },
      );
    },

    async unseenMatchCount() {
      return (await reader.query<{ n: number }>('SELECT count(DISTINCT entry_id) AS n FROM watch_matches WHERE seen = 0')).rows[0]!.n;
    },
  };
}

/**
 * Writes matches found apart from the writer, as SQLite's recordWatchHits: terms removed meanwhile
 * and entries gone are skipped, a match already there is kept as it is; with `queued`, the queue's
 * rows forward matching has looked at, taken off. Answers the new matches and the terms that found
 * any (in the order of the hits).
 */
async function recordWatchHits(session: WriteSession, hits: readonly WatchHit[], queued?: readonly number[]) {
  // The terms are held (KEY SHARE) until the commit: one removed at the same moment is removed before or after, never between.
  const termIds = [...new Set(hits.map(([termId]) => termId))].sort((a, b) => a - b);
  const terms = new Map(
    (
      await session.query<{ id: number; term: string }>(
        'SELECT id, term FROM watch_terms WHERE id = ANY($1::bigint[]) ORDER BY id FOR KEY SHARE',
        [termIds],
      )
    ).rows.map((row) => [row.id, row.term]),
  );
  const kept = hits.filter(([termId]) => terms.has(termId));
  // Written in key order: two desks' rounds writing the same matches take their locks in one order (no deadlock).
  const ordered = [...kept].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const inserted = await session.query<{ term_id: number; entry_id: number }>(
    `INSERT INTO watch_matches (term_id, entry_id, found_at)
     SELECT h.term_id, h.entry_id, $3 FROM unnest($1::bigint[], $2::bigint[]) AS h (term_id, entry_id)
     WHERE EXISTS (SELECT 1 FROM entries e WHERE e.id = h.entry_id)
     ON CONFLICT DO NOTHING RETURNING term_id, entry_id`,
    [ordered.map(([termId]) => termId), ordered.map(([, entryId]) => entryId), Date.now()],
  );
  const found = new Set(inserted.rows.map((row) => `${row.term_id}:${row.entry_id}`));
  const matched = new Set(kept.filter(([termId, entryId]) => found.has(`${termId}:${entryId}`)).map(([termId]) => termId));
  if (queued !== undefined) await session.query('DELETE FROM watch_queue WHERE id = ANY($1::bigint[])', [queued]);
  return { found: found.size, terms: [...matched].map((id) => terms.get(id)!) };
}
