// One query builder for entries: a filter (room, user, type, time range, search text) plus a
// keyset position on (timestamp, id) — never OFFSET — serves the timeline, the search
// (entrySearch.ts), the context view, the export (entryStream.ts) and the chart (entryHistogram.ts)
// alike. Search is just another filter: FTS matches become rowids.
import type { EntryFilter, Keyset } from '../../shared/api.js';
import type { EntryRecord } from '../../shared/entryRecord.js';
import { ftsParts } from '../../shared/ftsQuery.js';
import { roomIdsMatching, roomsInAll } from './roomMatch.js';
import type { Db } from './db.js';

export type { EntryFilter, Keyset };

export interface EntryRow {
  id: number;
  ts: number;
  domain_id: string;
  room: string;
  type: string;
  user_id: string | null;
  display_name: string | null;
  invisible: 0 | 1 | null;
  content: string | null;
  source: 'callback' | 'import';
  call_id: string | null;
}

export const ENTRY_COLUMNS = `e.id, e.ts, r.domain_id, r.name AS room, e.type, u.user_id, e.display_name, e.invisible, e.content,
  d.source, d.call_id`;
export const ENTRY_JOINS = `JOIN rooms r ON r.id = e.room_id
  LEFT JOIN users u ON u.id = e.user_id
  JOIN deliveries d ON d.id = e.delivery_id`;

export function toRecord(row: EntryRow): EntryRecord {
  return {
    id: row.id,
    timestamp: row.ts,
    domainId: row.domain_id,
    room: row.room,
    type: row.type,
    userId: row.user_id,
    displayName: row.display_name,
    invisible: row.invisible === null ? null : row.invisible === 1,
    content: row.content,
    source: row.source,
    callId: row.call_id,
  };
}

/** The clause of a filter that names a room or user nobody has: it selects nothing. */
export const NOTHING = '0';

interface Where {
  clauses: string[];
  params: Record<string, unknown>;
  /** The FTS5 expression, when the filter searches text. */
  match: string | null;
}

/**
 * `column = id` for the ids a name resolves to (one, usually: a room or user name per domain).
 * Resolved first because `column IN (subquery)` keeps SQLite from walking the (column, ts, id)
 * index in order, and a room of a million entries would be sorted on every page. NOTHING when
 * the name resolves to none.
 */
export function idClause(db: Db, column: string, lookup: string, name: string): string {
  return idsClause(column, db.prepare<[string], number>(lookup).pluck().all(name));
}

/**
 * The rooms a filter keeps, as ids (null: every room): the room list's choice (a name, in one
 * domain when it says which), in:'s rooms, and a domain's, each narrowing the others.
 */
export function roomIdsOf(db: Db, filter: EntryFilter): number[] | null {
  const { room, inRoom, domain } = filter;
  if (room === undefined && inRoom === undefined && domain === undefined) return null;
  const chosen: number[][] = [];
  if (room !== undefined) chosen.push(db.prepare<[string], number>('SELECT id FROM rooms WHERE name = ?').pluck().all(room));
  // in:'s steps are taken among the domain's rooms: a closer name elsewhere does not hide its own.
  if (inRoom !== undefined) chosen.push(roomIdsMatching(db, inRoom, domain));
  if (domain !== undefined) chosen.push(db.prepare<[string], number>('SELECT id FROM rooms WHERE domain_id = ?').pluck().all(domain));
  return roomsInAll(chosen);
}

export function idsClause(column: string, found: number[]): string {
  const ids = found.map((id) => Math.trunc(id));
  if (ids.length === 0) return NOTHING;
  return ids.length === 1 ? `${column} = ${ids[0]}` : `${column} IN (${ids.join(', ')})`;
}

/**
 * WHERE clauses for a filter. With `ftsInFrom`, the caller joins entries_fts and matches it. With
 * `afterId`, only entries stored after that one: the bound goes into the full-text match too, so
 * counting what is new for a common prefix reads the new part of the index, not all of it.
 */
export function where(db: Db, filter: EntryFilter, ftsInFrom = false, { afterId }: { afterId?: number } = {}): Where {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (clause: string, name: string, value: unknown) => {
    clauses.push(clause);
    params[name] = value;
  };
  const rooms = roomIdsOf(db, filter);
  if (rooms !== null) clauses.push(idsClause('e.room_id', rooms));
  if (filter.user !== undefined) clauses.push(idClause(db, 'e.user_id', 'SELECT id FROM users WHERE user_id = ?', filter.user));
  if (filter.type !== undefined) add('e.type = @type', 'type', filter.type);
  if (filter.from !== undefined) add('e.ts >= @from', 'from', filter.from);
  if (filter.to !== undefined) add('e.ts <= @to', 'to', filter.to);
  if (filter.tag !== undefined) {
    add(
      "e.id IN (SELECT l.target_id FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE l.target = 'entry' AND t.name = @tag)",
      'tag',
      filter.tag,
    );
  }
  if (filter.hasNote) clauses.push("e.id IN (SELECT target_id FROM notes WHERE target = 'entry')");
  if (filter.unreviewed) clauses.push('e.ts > coalesce((SELECT reviewed_to FROM room_reviews rr WHERE rr.room_id = e.room_id), -9e15)');
  if (afterId !== undefined) add('e.id > @afterId', 'afterId', BigInt(Math.trunc(afterId)));
  const parts = filter.text === undefined ? null : ftsParts(filter.text);
  const match = parts?.match ?? null;
  const bound = afterId === undefined ? '' : ' AND rowid > @afterId'; // FTS5 honours a rowid bound bound as an integer only
  if (match !== null)
    add(
      ftsInFrom ? `entries_fts MATCH @match${bound}` : `e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH @match${bound})`,
      'match',
      match,
    );
  // Text that only excludes (-spam): every entry but the excluded words' matches.
  if (parts?.exclude) add('e.id NOT IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH @exclude)', 'exclude', parts.exclude);
  return { clauses, params, match };
}

export const whereSql = (clauses: string[]) => (clauses.length ? `WHERE ${clauses.join(' AND ')}` : '');

/** The ids of the entries a filter selects (after `afterId`, at most `limit`), in id order: a search run apart from the writer, whose result it then writes by id. */
export function matchingIds(db: Db, filter: EntryFilter, { afterId, limit = -1 }: { afterId?: number; limit?: number } = {}): number[] {
  const { clauses, params } = where(db, filter, false, { afterId });
  return db
    .prepare<Record<string, unknown>, number>(`SELECT e.id FROM entries e ${whereSql(clauses)} ORDER BY e.id LIMIT ${Math.trunc(limit)}`)
    .pluck()
    .all(params);
}

/**
 * The filter and position to page with. Beside a position, the time range's bound on the same
 * side either adds nothing or makes the position add nothing: keep one. Kept both, SQLite starts
 * its walk of the time index at the range's bound, not at the position, and every page of a
 * zoomed-in range walks from the range's start again (10M entries: 144 ms a page instead of 0.5).
 */
function pagingBounds(
  filter: EntryFilter,
  position: Keyset | undefined,
  direction: 'after' | 'before',
): { filter: EntryFilter; position: Keyset | undefined } {
  if (!position) return { filter, position };
  if (direction === 'after' && filter.from !== undefined) {
    return position.timestamp < filter.from ? { filter, position: undefined } : { filter: { ...filter, from: undefined }, position };
  }
  if (direction === 'before' && filter.to !== undefined) {
    return position.timestamp > filter.to ? { filter, position: undefined } : { filter: { ...filter, to: undefined }, position };
  }
  return { filter, position };
}

/**
 * One page in (timestamp, id) order: the `limit` entries after `position` (or before it, with
 * direction 'before'; from the very end when no position is given), always returned oldest first.
 */
export function entryPage(
  db: Db,
  wanted: EntryFilter,
  limit: number,
  position?: Keyset,
  direction: 'after' | 'before' = 'after',
): { entries: EntryRecord[]; more: boolean } {
  const { filter, position: from } = pagingBounds(wanted, position, direction);
  const { clauses, params } = where(db, filter);
  const backwards = direction === 'before';
  if (from) {
    clauses.push(backwards ? '(e.ts, e.id) < (@fromTs, @fromId)' : '(e.ts, e.id) > (@fromTs, @fromId)');
    params['fromTs'] = from.timestamp;
    params['fromId'] = from.id;
  }
  const order = backwards ? 'e.ts DESC, e.id DESC' : 'e.ts, e.id';
  const rows = db
    .prepare<Record<string, unknown>, EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} ${whereSql(clauses)} ORDER BY ${order} LIMIT ${Math.trunc(limit) + 1}`,
    )
    .all(params);
  const more = rows.length > limit;
  const page = rows.slice(0, limit).map(toRecord);
  return { entries: backwards ? page.reverse() : page, more };
}

/** How many entries a filter selects (an export's total, said before its first row). */
export function countEntries(db: Db, filter: EntryFilter): number {
  const { clauses, params } = where(db, filter, true);
  if (clauses.includes(NOTHING)) return 0;
  if (filter.text === undefined && clauses.length === 0) return db.prepare<[], number>('SELECT count(*) FROM entries').pluck().get()!;
  const from = filter.text === undefined ? 'entries e' : 'entries_fts CROSS JOIN entries e ON e.id = entries_fts.rowid';
  return db
    .prepare<Record<string, unknown>, number>(`SELECT count(*) FROM ${from} ${whereSql(clauses)}`)
    .pluck()
    .get(params)!;
}

export function entryById(db: Db, id: number): EntryRecord | undefined {
  const row = db.prepare<[number], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} WHERE e.id = ?`).get(id);
  return row && toRecord(row);
}
