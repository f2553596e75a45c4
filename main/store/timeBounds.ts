// The first and last moment of the entries a filter selects: the ends of the timeline's own
// scrollbar, which moves through the whole range rather than the pages loaded. Each end is one
// step down an index (the room's, the user's, or time's).
import type { EntryFilter } from '../../shared/api.js';
import type { Db } from './db.js';
import { NOTHING, where, whereSql } from './entryQuery.js';

export function timeBounds(db: Db, filter: EntryFilter): { first: number | null; last: number | null } {
  const { clauses, params } = where(db, filter);
  if (clauses.includes(NOTHING)) return { first: null, last: null };
  const end = (order: 'ASC' | 'DESC') =>
    db
      .prepare<Record<string, unknown>, number>(`SELECT e.ts FROM entries e ${whereSql(clauses)} ORDER BY e.ts ${order} LIMIT 1`)
      .pluck()
      .get(params) ?? null;
  return { first: end('ASC'), last: end('DESC') };
}
