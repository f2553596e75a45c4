// The watchlist read from PostgreSQL as store/watchlist.ts reads it from SQLite: its terms (SQLite
// orders them BINARY: byte by byte, the "C" collation here), the file of them, and watch matching
// (findWatchHits): each term a search of the full-text columns (textMatch.ts, FTS5's meaning of
// the term) over an id range. SQLite indexes a few new entries apart first; here the GIN index
// and the id index answer both cases, and the planner picks between them.
import type { WatchTerm } from '../../../../shared/review.js';
import { toWatchTerm, watchlistFile, watchSearches, type TermToMatch, type WatchHit, type WatchTermRow } from '../../watchlist.js';
import { Params, type ReadPool } from '../connection.js';
import { matchClause, textQuery } from '../textMatch.js';

export async function listWatchTerms({ pool }: ReadPool): Promise<WatchTerm[]> {
  const { rows } = await pool.query<WatchTermRow>(
    `SELECT w.id, w.term, w.added_at, (SELECT count(*) FROM watch_matches m WHERE m.term_id = w.id) AS matches
     FROM watch_terms w ORDER BY w.term COLLATE "C"`,
  );
  return rows.map(toWatchTerm);
}

export async function watchlistText(reader: ReadPool): Promise<string> {
  return watchlistFile(await listWatchTerms(reader));
}

/**
 * The entries in (after, upTo] each term matches, from its own starting point on (from `after`
 * with `everything`): term by term in the order given, each term's entries in id order, as
 * SQLite's findWatchHits answers. The terms, bounds and refusals are its own (watchSearches).
 */
export async function findWatchHits(
  { pool }: ReadPool,
  terms: readonly TermToMatch[],
  after: number,
  upTo: number,
  everything = false,
): Promise<WatchHit[]> {
  const plan = watchSearches(terms, after, upTo, everything);
  if (plan === null) return [];
  const hits: WatchHit[] = [];
  // One term at a time, as SQLite asks: a call carries a part of the watchlist (watchAlerts.ts), and
  // each search is one index lookup that the read pool's statement_timeout bounds on its own.
  for (const search of plan.searches) {
    const query = textQuery(search.term);
    // A term the watchlist reads always has a word to look for; a phrase of no tokens is dropped (as FTS5 drops it).
    const params = new Params();
    const match = query?.kind === 'match' ? matchClause(query, params) : null;
    if (match === null) continue;
    const { rows } = await pool.query<{ id: number }>(
      `SELECT e.id FROM entries e
       WHERE e.id > ${params.add(String(search.from))}::bigint AND e.id <= ${params.add(String(plan.upTo))}::bigint AND ${match}
       ORDER BY e.id`,
      params.values,
    );
    for (const row of rows) hits.push([search.termId, row.id]);
  }
  return hits;
}
