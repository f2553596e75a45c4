// One query builder for entries: a filter (room, user, type, time range, search text) plus a
// keyset position on (timestamp, id) — never OFFSET — serves the export, the search and (later)
// the timeline alike. Search is just another filter: the FTS match collects rowids first.
import type { EntryRecord } from '../../shared/entryRecord.js';
import { toFtsQuery } from '../../shared/ftsQuery.js';
import type { Db } from './db.js';

export interface EntryFilter {
  room?: string;
  user?: string;
  type?: string;
  /** Inclusive bounds, epoch ms. */
  from?: number;
  to?: number;
  /** Search text (words, "phrases", prefix*, -excluded). */
  query?: string;
}

export interface KeysetPosition {
  timestamp: number;
  id: number;
}

interface EntryRow {
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

const ENTRY_COLUMNS = `e.id, e.ts, r.domain_id, r.name AS room, e.type, u.user_id, e.display_name, e.invisible, e.content,
  d.source, d.call_id`;
const ENTRY_JOINS = `JOIN rooms r ON r.id = e.room_id
  LEFT JOIN users u ON u.id = e.user_id
  JOIN deliveries d ON d.id = e.delivery_id`;

function toRecord(row: EntryRow): EntryRecord {
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

/** WHERE clauses and parameters for a filter (without the keyset part). */
function filterClauses(filter: EntryFilter): { clauses: string[]; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.room !== undefined) {
    clauses.push('e.room_id IN (SELECT id FROM rooms WHERE name = @room)');
    params['room'] = filter.room;
  }
  if (filter.user !== undefined) {
    clauses.push('e.user_id IN (SELECT id FROM users WHERE user_id = @user)');
    params['user'] = filter.user;
  }
  if (filter.type !== undefined) {
    clauses.push('e.type = @type');
    params['type'] = filter.type;
  }
  if (filter.from !== undefined) {
    clauses.push('e.ts >= @from');
    params['from'] = filter.from;
  }
  if (filter.to !== undefined) {
    clauses.push('e.ts <= @to');
    params['to'] = filter.to;
  }
  const match = filter.query === undefined ? null : toFtsQuery(filter.query);
  if (match !== null) {
    clauses.push('e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH @match)');
    params['match'] = match;
  }
  return { clauses, params };
}

/** One page of entries in (timestamp, id) order, after `position` when given. */
export function entryPage(db: Db, filter: EntryFilter, limit: number, after?: KeysetPosition): EntryRecord[] {
  const { clauses, params } = filterClauses(filter);
  if (after) {
    clauses.push('(e.ts, e.id) > (@afterTs, @afterId)');
    params['afterTs'] = after.timestamp;
    params['afterId'] = after.id;
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  const rows = db.prepare<Record<string, unknown>, EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} ${where} ORDER BY e.ts, e.id LIMIT ${Math.trunc(limit)}`,
  ).all(params);
  return rows.map(toRecord);
}

/** Every entry matching the filter, in (timestamp, id) order, read a page at a time. */
export function* allEntries(db: Db, filter: EntryFilter, pageSize = 5000): Generator<EntryRecord> {
  let after: KeysetPosition | undefined;
  for (;;) {
    const page = entryPage(db, filter, pageSize, after);
    yield* page;
    if (page.length < pageSize) return;
    const last = page.at(-1)!;
    after = { timestamp: last.timestamp, id: last.id };
  }
}

export interface SearchHit extends EntryRecord {
  /** Content with the matches between `marks[0]` and `marks[1]`, shortened around them. */
  snippet: string;
}

/** The newest entries matching search text, with highlighted snippets. */
export function searchEntries(db: Db, query: string, limit: number, marks: [string, string] = ['[', ']']): { hits: SearchHit[]; total: number } {
  const match = toFtsQuery(query);
  if (match === null) return { hits: [], total: 0 };
  const rows = db
    .prepare<[string, string, string, number], EntryRow & { snippet: string }>(
      `SELECT ${ENTRY_COLUMNS}, snippet(entries_fts, 0, ?, ?, '…', 24) AS snippet
       FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid ${ENTRY_JOINS}
       WHERE entries_fts MATCH ? ORDER BY e.ts DESC, e.id DESC LIMIT ?`,
    )
    .all(marks[0], marks[1], match, limit);
  const total = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM entries_fts WHERE entries_fts MATCH ?').get(match)!.n;
  return { hits: rows.map((row) => ({ ...toRecord(row), snippet: row.snippet })), total };
}
