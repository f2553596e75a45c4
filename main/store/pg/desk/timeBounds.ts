// The first and last moment of the entries a filter selects (the timeline scrollbar's ends), and
// the ids a filter selects (what "tag all" writes), over PostgreSQL: store/timeBounds.ts and
// entryQuery.ts's matchingIds, over filter.ts's clauses.
import type { EntryFilter } from '../../../../shared/api.js';
import { Params, type ReadPool } from '../connection.js';
import { NOTHING, whereClauses, whereSql } from '../filter.js';

export async function timeBounds({ pool }: ReadPool, filter: EntryFilter): Promise<{ first: number | null; last: number | null }> {
  const params = new Params();
  const clauses = await whereClauses(pool, filter, params);
  if (clauses.includes(NOTHING)) return { first: null, last: null };
  const ends = await pool.query<{ first: number | null; last: number | null }>(
    `SELECT min(e.ts) AS first, max(e.ts) AS last FROM entries e ${whereSql(clauses)}`,
    params.values,
  );
  return ends.rows[0]!;
}

/** The ids of the entries a filter selects, in id order. */
export async function matchingIds({ pool }: ReadPool, filter: EntryFilter): Promise<number[]> {
  const params = new Params();
  const clauses = await whereClauses(pool, filter, params);
  if (clauses.includes(NOTHING)) return [];
  const ids = await pool.query<{ id: number }>(`SELECT e.id FROM entries e ${whereSql(clauses)} ORDER BY e.id`, params.values);
  return ids.rows.map((row) => row.id);
}
