// One query builder for entries: a filter (room, user, type, time range, search text) plus a
// keyset position on (timestamp, id) — never OFFSET — serves the timeline, the search
// (entrySearch.ts), the context view and the export alike. Search is just another filter: FTS
// matches become rowids.
import type { EntryFilter, Histogram, Keyset } from '../../shared/api.js';
import type { EntryRecord } from '../../shared/entryRecord.js';
import { ftsParts } from '../../shared/ftsQuery.js';
import { roomIdsMatching } from './roomMatch.js';
import { bulkOf } from './chartBulk.js';
import type { Db } from './db.js';
import { HOUR_MS } from '../../shared/instant.js';

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
 * index in order, and a room of a million entries would be sorted on every page.
 */
function idClause(db: Db, column: string, lookup: string, name: string): string {
  return idsClause(column, db.prepare<[string], number>(lookup).pluck().all(name));
}

function idsClause(column: string, found: number[]): string {
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
  if (filter.room !== undefined) clauses.push(idClause(db, 'e.room_id', 'SELECT id FROM rooms WHERE name = ?', filter.room));
  if (filter.inRoom !== undefined) clauses.push(idsClause('e.room_id', roomIdsMatching(db, filter.inRoom)));
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

/** A lookup by id that remembers what it found (a bounded number of ids, so memory stays flat). */
function remembered<T>(find: (id: number) => T, capacity = 10_000): (id: number) => T {
  const known = new Map<number, T>();
  return (id) => {
    let value = known.get(id);
    if (value === undefined) {
      if (known.size >= capacity) known.clear();
      known.set(id, (value = find(id)));
    }
    return value;
  };
}

export type ExportRow = [
  id: number,
  ts: number,
  roomId: number,
  type: string,
  userId: number | null,
  displayName: string | null,
  invisible: 0 | 1 | null,
  content: string | null,
  deliveryId: number,
];

const EXPORT_COLUMNS_SQL = 'e.id, e.ts, e.room_id, e.type, e.user_id, e.display_name, e.invisible, e.content, e.delivery_id';

/**
 * Every entry matching the filter, in (timestamp, id) order, as raw rows a page at a time: made for
 * streaming millions of them (an export), so a room's, a user's or a delivery's details are not
 * joined into every row (entryDetails looks each up once), and rows come in arrays (a generator's
 * step per row costs as much as reading the row).
 *
 * A filter without search text is read a page at a time (keyset): each page is a short read, and
 * the connection is free between pages. A search is driven from the full-text index: one
 * statement walks the matches in rowid order, joins each to its entry by rowid (a forward walk,
 * not a lookup per row) and leaves the ordering by time to SQLite's sorter (it spills to disk, so
 * memory stays flat). Paged, every page would run the search again (82 s for the 158,088 hits of
 * a common word at 1M entries). That statement keeps the connection busy until the last row: the
 * caller runs nothing else on it meanwhile.
 */
export function* exportPages(db: Db, filter: EntryFilter, pageSize = 1000): Generator<ExportRow[]> {
  if (filter.text !== undefined) {
    const { clauses, params } = where(db, filter, true);
    if (clauses.includes(NOTHING)) return;
    // CROSS JOIN: the index's matches drive, whatever the planner would guess about their number.
    const rows = db
      .prepare<Record<string, unknown>, ExportRow>(
        `SELECT ${EXPORT_COLUMNS_SQL} FROM entries_fts CROSS JOIN entries e ON e.id = entries_fts.rowid ${whereSql(clauses)} ORDER BY e.ts, e.id`,
      )
      .raw(true)
      .iterate(params);
    let page: ExportRow[] = [];
    for (const row of rows) {
      if (page.push(row) >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
    return;
  }
  // The position starts at the range's start and replaces it (see pagingBounds): ids start at 1.
  const { clauses, params } = where(db, { ...filter, from: undefined });
  clauses.push('(e.ts, e.id) > (@fromTs, @fromId)');
  const page = db
    .prepare<Record<string, unknown>, ExportRow>(
      `SELECT ${EXPORT_COLUMNS_SQL} FROM entries e ${whereSql(clauses)} ORDER BY e.ts, e.id LIMIT ${Math.trunc(pageSize)}`,
    )
    .raw(true);
  params['fromTs'] = filter.from ?? Number.MIN_SAFE_INTEGER;
  params['fromId'] = 0;
  for (;;) {
    const rows = page.all(params);
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    const last = rows.at(-1)!;
    params['fromTs'] = last[1];
    params['fromId'] = last[0];
  }
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

/** A room's, a user's and a delivery's details by id, each looked up once (a bounded number kept, so memory stays flat). */
export function entryDetails(db: Db) {
  const roomStatement = db.prepare<[number], { domain_id: string; name: string }>('SELECT domain_id, name FROM rooms WHERE id = ?');
  const deliveryStatement = db.prepare<[number], { source: 'callback' | 'import'; call_id: string | null }>(
    'SELECT source, call_id FROM deliveries WHERE id = ?',
  );
  return {
    room: remembered((id) => roomStatement.get(id)!),
    user: usersByBlock(db),
    delivery: remembered((id) => deliveryStatement.get(id)!),
  };
}

/** Users read together: their ids are handed out in the order they first spoke, so neighbours turn up together. */
const USER_BLOCK = 256;

/**
 * A user's ID by row id, read a block of ids at a time: a statement costs ~4 µs whatever it reads,
 * and an export of a million entries by 20,000 users spent a tenth of its time on one per user.
 * A bounded number kept, so memory stays flat.
 */
function usersByBlock(db: Db, capacity = 100_000): (id: number) => string {
  const block = db.prepare<[number, number], [number, string]>('SELECT id, user_id FROM users WHERE id >= ? AND id < ?').raw(true);
  const known = new Map<number, string>();
  return (id) => {
    let value = known.get(id);
    if (value === undefined) {
      if (known.size >= capacity) known.clear();
      const start = id - (id % USER_BLOCK);
      for (const [userId, name] of block.all(start, start + USER_BLOCK)) known.set(userId, name);
      value = known.get(id)!;
    }
    return value;
  };
}

/** Every entry matching the filter, in (timestamp, id) order, as records (see exportPages). */
export function* allEntries(db: Db, filter: EntryFilter, pageSize = 1000): Generator<EntryRecord> {
  const details = entryDetails(db);
  for (const page of exportPages(db, filter, pageSize))
    for (const [id, ts, roomId, type, userId, displayName, invisible, content, deliveryId] of page) {
      const { domain_id, name } = details.room(roomId);
      const { source, call_id } = details.delivery(deliveryId);
      yield {
        id,
        timestamp: ts,
        domainId: domain_id,
        room: name,
        type,
        userId: userId === null ? null : details.user(userId),
        displayName,
        invisible: invisible === null ? null : invisible === 1,
        content,
        source,
        callId: call_id,
      };
    }
}

export type HistogramData = Histogram;

/**
 * Counts per time bucket of the entries a filter selects. A filter of rooms and time only — the
 * timeline's own — reads the hourly activity table; finer buckets (a zoomed-in range) and other
 * filters count the entries themselves.
 */
export function entryHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData {
  const byRoomAndTime =
    filter.user === undefined &&
    filter.inRoom === undefined &&
    filter.type === undefined &&
    filter.text === undefined &&
    filter.tag === undefined &&
    !filter.hasNote &&
    !filter.unreviewed;
  if (byRoomAndTime) {
    const hourly = hourlyHistogram(db, filter, buckets);
    if (hourly) return hourly;
  }
  return filter.text === undefined || ftsParts(filter.text)?.match == null
    ? exactHistogram(db, filter, buckets)
    : hitsHistogram(db, filter, buckets);
}

function hourlyHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData | null {
  const room = filter.room === undefined ? '1' : idClause(db, 'room_id', 'SELECT id FROM rooms WHERE name = ?', filter.room);
  const range = db
    .prepare<[], { lo: number | null; hi: number | null }>(`SELECT min(hour) AS lo, max(hour) AS hi FROM activity WHERE ${room}`)
    .get()!;
  if (range.lo === null || range.hi === null) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  const from = Math.max(range.lo * HOUR_MS, filter.from ?? -Infinity);
  const to = Math.min((range.hi + 1) * HOUR_MS - 1, filter.to ?? Infinity);
  if (to < from) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  const ranged = filter.from !== undefined || filter.to !== undefined;
  // Less than a day, or a zoomed-in range, wants finer buckets than hours: count those directly.
  if (to - from < 24 * HOUR_MS || (Math.ceil((to - from + 1) / buckets / HOUR_MS) < 3 && ranged)) return null;
  let firstHour = Math.floor(from / HOUR_MS);
  let lastHour = Math.floor(to / HOUR_MS);
  const perHour = new Map(
    db
      .prepare<[number, number], [number, number]>(
        `SELECT hour, sum(entries) FROM activity WHERE ${room} AND hour BETWEEN ? AND ? GROUP BY hour`,
      )
      .raw()
      .all(firstHour, lastHour),
  );
  // A range the moderator chose is shown as chosen; otherwise a few far-off entries are left out.
  const bulk = ranged ? null : bulkOf(perHour);
  let outliers: Histogram['outliers'];
  if (bulk) {
    outliers = { before: 0, after: 0, earliest: null, latest: null };
    for (const [hour, n] of perHour) {
      if (hour < bulk.first) outliers.before += n;
      else if (hour > bulk.last) outliers.after += n;
      else continue;
      perHour.delete(hour);
    }
    const edge = (which: 'min' | 'max') => db.prepare<[], number>(`SELECT ${which}(ts) FROM entries WHERE ${room}`).pluck().get()!;
    if (outliers.before) outliers.earliest = edge('min');
    if (outliers.after) outliers.latest = edge('max');
    [firstHour, lastHour] = [bulk.first, bulk.last];
  }
  const bucketHours = Math.max(1, Math.ceil((lastHour - firstHour + 1) / buckets));
  const counts = new Array<number>(Math.floor((lastHour - firstHour) / bucketHours) + 1).fill(0);
  // The hours the range's ends cut through are counted exactly, from their own entries.
  const within = db.prepare<[number, number], number>(`SELECT count(*) FROM entries WHERE ${room} AND ts BETWEEN ? AND ?`).pluck();
  if (from > firstHour * HOUR_MS) perHour.set(firstHour, within.get(from, Math.min(to, (firstHour + 1) * HOUR_MS - 1))!);
  if (to < (lastHour + 1) * HOUR_MS - 1 && lastHour !== firstHour) perHour.set(lastHour, within.get(lastHour * HOUR_MS, to)!);
  for (const [hour, n] of perHour) counts[Math.floor((hour - firstHour) / bucketHours)]! += n;
  return {
    from: firstHour * HOUR_MS,
    to: (firstHour + counts.length * bucketHours) * HOUR_MS,
    bucketMs: bucketHours * HOUR_MS,
    counts,
    ...(outliers ? { outliers } : {}),
  };
}

function exactHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData {
  const { clauses, params } = where(db, filter);
  const range = db
    .prepare<Record<string, unknown>, { lo: number | null; hi: number | null }>(
      `SELECT min(e.ts) AS lo, max(e.ts) AS hi FROM entries e ${whereSql(clauses)}`,
    )
    .get(params)!;
  if (range.lo === null || range.hi === null) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  const bucketMs = Math.max(1, Math.ceil((range.hi - range.lo + 1) / buckets));
  const counts = new Array<number>(buckets).fill(0);
  const rows = db
    .prepare<Record<string, unknown>, { b: number; n: number }>(
      `SELECT CAST((e.ts - @lo) / @bucketMs AS INTEGER) AS b, count(*) AS n FROM entries e ${whereSql(clauses)} GROUP BY b`,
    )
    .all({ ...params, lo: range.lo, bucketMs });
  for (const row of rows) counts[Math.min(buckets - 1, row.b)] = row.n;
  return { from: range.lo, to: range.lo + bucketMs * buckets, bucketMs, counts };
}

/**
 * Search hits over time: one pass over the hits' times, driven by the full-text index, bucketed
 * here. (Counting in SQL takes two passes, one for the range and one to count, each probing the
 * index again for every entry.)
 */
function hitsHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData {
  const { clauses, params } = where(db, filter, true);
  const times = db
    .prepare<Record<string, unknown>, number>(
      `SELECT e.ts FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid ${whereSql(clauses)}`,
    )
    .pluck()
    .all(params);
  if (times.length === 0) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const ts of times) {
    if (ts < lo) lo = ts;
    if (ts > hi) hi = ts;
  }
  const bucketMs = Math.max(1, Math.ceil((hi - lo + 1) / buckets));
  const counts = new Array<number>(buckets).fill(0);
  for (const ts of times) counts[Math.min(buckets - 1, Math.floor((ts - lo) / bucketMs))]! += 1;
  return { from: lo, to: lo + bucketMs * buckets, bucketMs, counts };
}

export function entryById(db: Db, id: number): EntryRecord | undefined {
  const row = db.prepare<[number], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} WHERE e.id = ?`).get(id);
  return row && toRecord(row);
}
