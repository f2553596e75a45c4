// Every entry a filter selects, in (timestamp, id) order, streamed: raw rows a page at a time for an
// export, with a room's, a user's and a delivery's details looked up once each, or as records.
import type { EntryFilter } from '../../shared/api.js';
import type { EntryRecord } from '../../shared/entryRecord.js';
import type { Db } from './db.js';
import { NOTHING, where, whereSql } from './entryQuery.js';

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
