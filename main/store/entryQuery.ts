// One query builder for entries: a filter (room, user, type, time range, search text) plus a
// keyset position on (timestamp, id) — never OFFSET — serves the timeline, the search, the
// context view and the export alike. Search is just another filter: FTS matches become rowids.
import type { EntryFilter, Keyset } from '../../shared/api.js';
import type { EntryRecord } from '../../shared/entryRecord.js';
import { toFtsQuery } from '../../shared/ftsQuery.js';
import type { Db } from './db.js';
import { HOUR_MS } from './payloadWriter.js';

export type { EntryFilter, Keyset };

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
  const ids = db.prepare<[string], number>(lookup).pluck().all(name).map((id) => Math.trunc(id));
  if (ids.length === 0) return '0';
  return ids.length === 1 ? `${column} = ${ids[0]}` : `${column} IN (${ids.join(', ')})`;
}

/** WHERE clauses for a filter. With `ftsInFrom`, the caller joins entries_fts and matches it. */
function where(db: Db, filter: EntryFilter, ftsInFrom = false): Where {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (clause: string, name: string, value: unknown) => {
    clauses.push(clause);
    params[name] = value;
  };
  if (filter.room !== undefined) clauses.push(idClause(db, 'e.room_id', 'SELECT id FROM rooms WHERE name = ?', filter.room));
  if (filter.user !== undefined) clauses.push(idClause(db, 'e.user_id', 'SELECT id FROM users WHERE user_id = ?', filter.user));
  if (filter.type !== undefined) add('e.type = @type', 'type', filter.type);
  if (filter.from !== undefined) add('e.ts >= @from', 'from', filter.from);
  if (filter.to !== undefined) add('e.ts <= @to', 'to', filter.to);
  const match = filter.text === undefined ? null : toFtsQuery(filter.text);
  if (match !== null) add(ftsInFrom ? 'entries_fts MATCH @match' : 'e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH @match)', 'match', match);
  return { clauses, params, match };
}

const whereSql = (clauses: string[]) => (clauses.length ? `WHERE ${clauses.join(' AND ')}` : '');

/**
 * The filter and position to page with. Beside a position, the time range's bound on the same
 * side either adds nothing or makes the position add nothing: keep one. Kept both, SQLite starts
 * its walk of the time index at the range's bound, not at the position, and every page of a
 * zoomed-in range walks from the range's start again (10M entries: 144 ms a page instead of 0.5).
 */
function pagingBounds(filter: EntryFilter, position: Keyset | undefined, direction: 'after' | 'before'): { filter: EntryFilter; position: Keyset | undefined } {
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
export function entryPage(db: Db, wanted: EntryFilter, limit: number, position?: Keyset, direction: 'after' | 'before' = 'after'): { entries: EntryRecord[]; more: boolean } {
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
    .prepare<Record<string, unknown>, EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} ${whereSql(clauses)} ORDER BY ${order} LIMIT ${Math.trunc(limit) + 1}`)
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

type ExportRow = [id: number, ts: number, roomId: number, type: string, userId: number | null, displayName: string | null, invisible: 0 | 1 | null, content: string | null, deliveryId: number];

/**
 * Every entry matching the filter, in (timestamp, id) order, read a page at a time (keyset). Made
 * for streaming millions of rows: rows come raw, and a room's, a user's or a delivery's details
 * are looked up once, not joined into every row.
 */
export function* allEntries(db: Db, filter: EntryFilter, pageSize = 1000): Generator<EntryRecord> {
  // The position starts at the range's start and replaces it (see pagingBounds): ids start at 1.
  const { clauses, params } = where(db, { ...filter, from: undefined });
  clauses.push('(e.ts, e.id) > (@fromTs, @fromId)');
  const page = db
    .prepare<Record<string, unknown>, ExportRow>(
      `SELECT e.id, e.ts, e.room_id, e.type, e.user_id, e.display_name, e.invisible, e.content, e.delivery_id
       FROM entries e ${whereSql(clauses)} ORDER BY e.ts, e.id LIMIT ${Math.trunc(pageSize)}`,
    )
    .raw(true);
  const roomStatement = db.prepare<[number], { domain_id: string; name: string }>('SELECT domain_id, name FROM rooms WHERE id = ?');
  const deliveryStatement = db.prepare<[number], { source: 'callback' | 'import'; call_id: string | null }>('SELECT source, call_id FROM deliveries WHERE id = ?');
  const userStatement = db.prepare<[number], string>('SELECT user_id FROM users WHERE id = ?').pluck();
  const room = remembered((id) => roomStatement.get(id)!);
  const user = remembered((id) => userStatement.get(id)!, 100_000);
  const delivery = remembered((id) => deliveryStatement.get(id)!);
  params['fromTs'] = filter.from ?? Number.MIN_SAFE_INTEGER;
  params['fromId'] = 0;
  for (;;) {
    const rows = page.all(params);
    for (const [id, ts, roomId, type, userId, displayName, invisible, content, deliveryId] of rows) {
      const { domain_id, name } = room(roomId);
      const { source, call_id } = delivery(deliveryId);
      yield { id, timestamp: ts, domainId: domain_id, room: name, type, userId: userId === null ? null : user(userId), displayName, invisible: invisible === null ? null : invisible === 1, content, source, callId: call_id };
    }
    if (rows.length < pageSize) return;
    const last = rows.at(-1)!;
    params['fromTs'] = last[1];
    params['fromId'] = last[0];
  }
}

export interface SearchHit extends EntryRecord {
  snippet: string;
}

/** How many of the newest-received matches to take before deciding how to order the rest. */
const PROBE = 2000;
/** Matches per row above which checking candidate rows one by one beats collecting all matches. */
const DENSE = 0.2;

/**
 * The index that serves ORDER BY ts, id under a filter's equality constraint. A room's is its
 * identity index (room, ts, key): SQLite sorts the entries sharing a timestamp by id.
 */
function orderIndex(filter: EntryFilter): string {
  if (filter.user !== undefined) return 'entries_user_ts';
  if (filter.room !== undefined) return 'entries_identity';
  return 'entries_ts';
}

interface IdTs {
  id: number;
  ts: number;
}

const newestFirst = (a: IdTs, b: IdTs) => b.ts - a.ts || b.id - a.id;

/**
 * The ids of the `limit` newest entries (by timestamp) that match, from a probe: `probe` holds
 * every match with an id in [low, high]. Entries mostly arrive in time order, so the newest
 * matches by time are usually among the newest by id; the ones that are not — any entry newer
 * than the probe's `limit`-th that lies outside [low, high] — are found by walking the time index
 * down to that entry, checking only those rows against FTS5. Null when the probe holds too few
 * entries under the filter to decide.
 */
function newestFromProbe(db: Db, probe: number[], low: number, high: number, clauses: string[], params: Record<string, unknown>, text: string, limit: number, filter: EntryFilter): number[] | null {
  const args = { ...params, probe: JSON.stringify(probe) };
  const candidates = db
    // NOT INDEXED: look the probe's rows up by id, rather than walk a room's or user's index.
    .prepare<Record<string, unknown>, IdTs>(
      `SELECT e.id, e.ts FROM entries e NOT INDEXED ${whereSql(['e.id IN (SELECT value FROM json_each(@probe))', ...clauses])} ORDER BY e.ts DESC, e.id DESC LIMIT ${Math.trunc(limit)}`,
    )
    .all(args);
  if (candidates.length < limit) return null;
  const last = candidates.at(-1)!;
  // From the last candidate up: it is in the time range, so the range's start is left out (as in
  // pagingBounds), or SQLite would walk up from there instead.
  const walk = where(db, { ...filter, text: undefined, from: undefined });
  const missed = db
    .prepare<Record<string, unknown>, IdTs>(
      `SELECT e.id, e.ts FROM entries e INDEXED BY ${orderIndex(filter)}
       ${whereSql([...walk.clauses, '(e.ts, e.id) > (@lastTs, @lastId)', '(e.id < @low OR e.id > @high)', 'EXISTS (SELECT 1 FROM entries_fts WHERE entries_fts MATCH @text AND rowid = e.id)'])}`,
    )
    .all({ ...walk.params, lastTs: last.ts, lastId: last.id, low, high, text });
  return [...candidates, ...missed].sort(newestFirst).slice(0, limit).map((row) => row.id);
}

/**
 * The newest entries (by timestamp) matching a filter with search text, with snippets marked by
 * `marks`, and a count of the matches that stops at `countCap`. Rowids first: FTS5 hands out the
 * newest-received matches almost for free (from the newest entry under the rest of the filter
 * down), and those settle the page unless the filter leaves too few of them (newestFromProbe).
 * Otherwise a word with fewer than PROBE matches is settled from those alone, and a commoner word
 * walks the time index backwards (the filter's index when it names a room or user): a very
 * common word checks each candidate row against FTS5, a moderately common one against the set of
 * its matches. Where counting every match under a filter would cost more than the page itself,
 * the count says "at least this many" (capped) instead. Snippets are made for the page only.
 */
export function searchEntries(
  db: Db,
  filter: EntryFilter,
  limit: number,
  marks: [string, string],
  countCap = 10_000,
): { hits: SearchHit[]; total: number; capped: boolean } {
  const { clauses, params } = where(db, { ...filter, text: undefined });
  const text = filter.text === undefined ? null : toFtsQuery(filter.text);
  if (text === null) return { hits: [], total: 0, capped: false };
  const newestId = db.prepare<[], number | null>('SELECT max(id) FROM entries').pluck().get() ?? 0;
  const probeBelow = db
    .prepare<[string, bigint, number], number>('SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? AND rowid <= ? ORDER BY rowid DESC LIMIT ?')
    .pluck();
  // The newest entry under the rest of the filter (a room's, a user's, the time range's): matches
  // received after it are mostly later in time, so the probe starts there.
  let high =
    clauses.length === 0
      ? newestId
      : (db
          .prepare<Record<string, unknown>, number>(`SELECT e.id FROM entries e INDEXED BY ${orderIndex(filter)} ${whereSql(clauses)} ORDER BY e.ts DESC, e.id DESC LIMIT 1`)
          .pluck()
          .get(params) ?? 0);
  // Rowids are bound as BigInt: bound as a JS number (a REAL), FTS5 ignores a rowid constraint
  // and answers as if there were none (seen with SQLite 3.53.2).
  let probe = probeBelow.all(text, BigInt(high), PROBE);
  if (probe.length < PROBE && high < newestId) {
    // Few matches at all below the start: take them all, wherever they are.
    probe = probeBelow.all(text, BigInt(newestId), PROBE);
    high = newestId;
  }
  const low = probe.length < PROBE ? 0 : probe.at(-1)!;
  const complete = low === 0 && high === newestId;
  const args = { ...params, probe: JSON.stringify(probe), text };
  let rows: EntryRow[];
  const fromProbe = complete ? null : newestFromProbe(db, probe, low, high, clauses, params, text, limit, filter);
  if (fromProbe !== null) {
    rows = db
      .prepare<[string], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} WHERE e.id IN (SELECT value FROM json_each(?)) ORDER BY e.ts DESC, e.id DESC`)
      .all(JSON.stringify(fromProbe));
  } else {
    let matching: string;
    if (complete) matching = 'e.id IN (SELECT value FROM json_each(@probe))';
    else {
      const density = probe.length / (newestId - low + 1);
      matching =
        density >= DENSE
          ? 'EXISTS (SELECT 1 FROM entries_fts WHERE entries_fts MATCH @text AND rowid = e.id)'
          : 'e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH @text)';
    }
    // Every match is in the probe: look those rows up by id (a room's index would be walked in time order instead).
    const indexed = complete ? 'NOT INDEXED' : `INDEXED BY ${orderIndex(filter)}`;
    rows = db
      .prepare<Record<string, unknown>, EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM entries e ${indexed} ${ENTRY_JOINS} ${whereSql([matching, ...clauses])} ORDER BY e.ts DESC, e.id DESC LIMIT ${Math.trunc(limit)}`,
      )
      .all(args);
  }
  let total: number;
  let capped: boolean;
  if (complete) {
    total =
      clauses.length === 0
        ? probe.length
        : db.prepare<Record<string, unknown>, number>(`SELECT count(*) FROM entries e NOT INDEXED ${whereSql(['e.id IN (SELECT value FROM json_each(@probe))', ...clauses])}`).pluck().get(args)!;
    capped = false;
  } else if (clauses.length === 0) {
    const counted = db.prepare<[string], number>(`SELECT count(*) FROM (SELECT 1 FROM entries_fts WHERE entries_fts MATCH ? LIMIT ${countCap + 1})`).pluck().get(text)!;
    [total, capped] = [Math.min(counted, countCap), counted > countCap];
  } else {
    [total, capped] = rows.length < limit ? [rows.length, false] : [rows.length, true];
  }
  const density = probe.length / Math.max(1, high - low + 1);
  const snippets = snippetsFor(db, text, rows.map((row) => row.id), density, marks);
  const hits = rows.map((row) => ({ ...toRecord(row), snippet: snippets.get(row.id) ?? row.content ?? '' }));
  return { hits, total, capped };
}

/** Matches a snippet walk may pass over rather than look one row up (~50 ns each, against ~50 µs a lookup). */
const SNIPPET_SKIP = 1000;

/**
 * The snippets of a page of hits. FTS5 cuts a snippet for next to nothing while it walks a range
 * of matches, but looking a row up by rowid costs a fresh seek into every term's matches (200
 * rows of "the": 9 ms one by one, 0.6 ms in one walk). So the page's ids are grouped into runs
 * whose gaps hold fewer than SNIPPET_SKIP matches (judged by the matches' `density` among
 * rowids), and each run is walked once, cutting snippets for the page's rows only.
 */
function snippetsFor(db: Db, text: string, ids: number[], density: number, marks: [string, string]): Map<number, string> {
  const walk = db
    .prepare<[string, string, string, bigint, bigint, string], [number, string]>(
      // +rowid: checked on each match walked, not handed to FTS5 as rowids to look up one by one.
      `SELECT rowid, snippet(entries_fts, 0, ?, ?, '…', 24) FROM entries_fts
       WHERE entries_fts MATCH ? AND rowid BETWEEN ? AND ? AND +rowid IN (SELECT value FROM json_each(?))`,
    )
    .raw();
  const gap = SNIPPET_SKIP / Math.max(density, 1e-9);
  const sorted = [...ids].sort((a, b) => a - b);
  const snippets = new Map<number, string>();
  for (let start = 0; start < sorted.length; ) {
    let end = start + 1;
    while (end < sorted.length && sorted[end]! - sorted[end - 1]! <= gap) end += 1;
    const run = sorted.slice(start, end);
    for (const [id, snippet] of walk.all(marks[0], marks[1], text, BigInt(run[0]!), BigInt(run.at(-1)!), JSON.stringify(run))) snippets.set(id, snippet);
    start = end;
  }
  return snippets;
}

export interface HistogramData {
  from: number;
  to: number;
  bucketMs: number;
  counts: number[];
}

/**
 * Counts per time bucket of the entries a filter selects. A filter of rooms and time only — the
 * timeline's own — reads the hourly activity table; finer buckets (a zoomed-in range) and other
 * filters count the entries themselves.
 */
export function entryHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData {
  const byRoomAndTime = filter.user === undefined && filter.type === undefined && filter.text === undefined;
  if (byRoomAndTime) {
    const hourly = hourlyHistogram(db, filter, buckets);
    if (hourly) return hourly;
  }
  return exactHistogram(db, filter, buckets);
}

function hourlyHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData | null {
  const room = filter.room === undefined ? '1' : idClause(db, 'room_id', 'SELECT id FROM rooms WHERE name = ?', filter.room);
  const range = db.prepare<[], { lo: number | null; hi: number | null }>(`SELECT min(hour) AS lo, max(hour) AS hi FROM activity WHERE ${room}`).get()!;
  if (range.lo === null || range.hi === null) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  const from = Math.max(range.lo * HOUR_MS, filter.from ?? -Infinity);
  const to = Math.min((range.hi + 1) * HOUR_MS - 1, filter.to ?? Infinity);
  if (to < from) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  const bucketHours = Math.ceil((to - from + 1) / buckets / HOUR_MS);
  // Less than a day, or a zoomed-in range, wants finer buckets than hours: count those directly.
  if (to - from < 24 * HOUR_MS || (bucketHours < 3 && (filter.from !== undefined || filter.to !== undefined))) return null;
  const firstHour = Math.floor(from / HOUR_MS);
  const lastHour = Math.floor(to / HOUR_MS);
  const counts = new Array<number>(Math.floor((lastHour - firstHour) / bucketHours) + 1).fill(0);
  const perHour = new Map(
    db
      .prepare<[number, number], [number, number]>(`SELECT hour, sum(entries) FROM activity WHERE ${room} AND hour BETWEEN ? AND ? GROUP BY hour`)
      .raw()
      .all(firstHour, lastHour),
  );
  // The hours the range's ends cut through are counted exactly, from their own entries.
  const within = db.prepare<[number, number], number>(`SELECT count(*) FROM entries WHERE ${room} AND ts BETWEEN ? AND ?`).pluck();
  if (from > firstHour * HOUR_MS) perHour.set(firstHour, within.get(from, Math.min(to, (firstHour + 1) * HOUR_MS - 1))!);
  if (to < (lastHour + 1) * HOUR_MS - 1 && lastHour !== firstHour) perHour.set(lastHour, within.get(lastHour * HOUR_MS, to)!);
  for (const [hour, n] of perHour) counts[Math.floor((hour - firstHour) / bucketHours)]! += n;
  return { from: firstHour * HOUR_MS, to: (firstHour + counts.length * bucketHours) * HOUR_MS, bucketMs: bucketHours * HOUR_MS, counts };
}

function exactHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData {
  const { clauses, params } = where(db, filter);
  const range = db
    .prepare<Record<string, unknown>, { lo: number | null; hi: number | null }>(`SELECT min(e.ts) AS lo, max(e.ts) AS hi FROM entries e ${whereSql(clauses)}`)
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

export function entryById(db: Db, id: number): EntryRecord | undefined {
  const row = db.prepare<[number], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} WHERE e.id = ?`).get(id);
  return row && toRecord(row);
}
