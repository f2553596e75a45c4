// Saved searches read from PostgreSQL as store/savedSearches.ts reads them from SQLite: in name
// order (SQLite's BINARY: byte by byte, the "C" collation here), each with how many entries its
// query selects among those stored since it was last opened, counted up to NEW_CAP with the same
// filter the timeline and search use (filter.ts).
import type { SavedSearch } from '../../../../shared/review.js';
import { NEW_CAP, savedFilter, toSavedSearch, type SavedRow } from '../../savedSearches.js';
import { Params, type ReadPool } from '../connection.js';
import { NOTHING, whereClauses, whereSql } from '../filter.js';

export async function listSavedSearches(reader: ReadPool): Promise<SavedSearch[]> {
  const { rows } = await reader.pool.query<SavedRow>('SELECT * FROM saved_searches ORDER BY name COLLATE "C"');
  return Promise.all(rows.map(async (row) => toSavedSearch(row, await newMatches(reader, row.query, row.seen_entry_id))));
}

async function newMatches({ pool }: ReadPool, query: string, seenEntryId: number): Promise<number> {
  const filter = savedFilter(query);
  if (filter === null) return 0;
  const params = new Params();
  const clauses = await whereClauses(pool, filter, params, { afterId: seenEntryId });
  if (clauses.includes(NOTHING)) return 0;
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM entries e ${whereSql(clauses)} LIMIT ${NEW_CAP}) AS found`,
    params.values,
  );
  return rows[0]!.n;
}
