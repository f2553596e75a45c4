// Full-text search's first page: the newest entries (by timestamp) that match a filter with
// search text, found from FTS5's rowids first, with capped counts and snippets for the page. The
// filter's other clauses come from the query builder (entryQuery.ts).
import type { EntryFilter, SearchResult } from '../../shared/api.js';
import { toFtsQuery } from '../../shared/ftsQuery.js';
import type { Db } from './db.js';
import { ENTRY_COLUMNS, ENTRY_JOINS, NOTHING, toRecord, where, whereSql, type EntryRow } from './entryQuery.js';

/** How many of the newest-received matches to take before deciding how to order the rest. */
const PROBE = 2000;
/** Rows newer than the probe's page that are checked one by one at most; more, and the probe is not used. */
const WALK_LIMIT = 10_000;
/** Matches per row above which checking candidate rows one by one beats collecting all matches. */
const DENSE = 0.2;

/**
 * The index that serves ORDER BY ts, id under a filter's equality constraint. A room's is its
 * identity index (room, ts, key): SQLite sorts the entries sharing a timestamp by id.
 */
function orderIndex(filter: EntryFilter): string {
  if (filter.user !== undefined) return 'entries_user_ts';
  if (filter.room !== undefined || filter.inRoom !== undefined) return 'entries_identity';
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
function newestFromProbe(
  db: Db,
  probe: number[],
  low: number,
  high: number,
  clauses: string[],
  params: Record<string, unknown>,
  text: string,
  limit: number,
  filter: EntryFilter,
): number[] | null {
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
  // The walk checks every entry newer than the last candidate. When the newest-received matches are
  // not the newest in time (an archive of older messages imported last), that is much of the
  // database, each row an FTS5 lookup (minutes at 10M entries): past WALK_LIMIT rows the caller's
  // plain ways are cheaper (the time index from the top, or every match). Counted on the index
  // alone, up to one past the limit.
  const newer = db
    .prepare<Record<string, unknown>, number>(
      `SELECT count(*) FROM (SELECT 1 FROM entries e INDEXED BY ${orderIndex(filter)}
       ${whereSql([...walk.clauses, '(e.ts, e.id) > (@lastTs, @lastId)'])} LIMIT ${WALK_LIMIT + 1})`,
    )
    .pluck()
    .get({ ...walk.params, lastTs: last.ts, lastId: last.id })!;
  if (newer > WALK_LIMIT) return null;
  const missed = db
    .prepare<Record<string, unknown>, IdTs>(
      `SELECT e.id, e.ts FROM entries e INDEXED BY ${orderIndex(filter)}
       ${whereSql([...walk.clauses, '(e.ts, e.id) > (@lastTs, @lastId)', '(e.id < @low OR e.id > @high)', 'EXISTS (SELECT 1 FROM entries_fts WHERE entries_fts MATCH @text AND rowid = e.id)'])}`,
    )
    .all({ ...walk.params, lastTs: last.ts, lastId: last.id, low, high, text });
  return [...candidates, ...missed]
    .sort(newestFirst)
    .slice(0, limit)
    .map((row) => row.id);
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
export function searchEntries(db: Db, filter: EntryFilter, limit: number, marks: [string, string], countCap = 10_000): SearchResult {
  const { clauses, params } = where(db, { ...filter, text: undefined });
  const text = filter.text === undefined ? null : toFtsQuery(filter.text);
  // No text, or a room or user nobody has: nothing matches (and a forced index would find no plan).
  if (text === null || clauses.includes(NOTHING)) return { hits: [], total: 0, capped: false };
  const newestId = db.prepare<[], number | null>('SELECT max(id) FROM entries').pluck().get() ?? 0;
  const probeBelow = db
    .prepare<[string, bigint, number], number>(
      'SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? AND rowid <= ? ORDER BY rowid DESC LIMIT ?',
    )
    .pluck();
  // The newest entry under the rest of the filter (a room's, a user's, the time range's): matches
  // received after it are mostly later in time, so the probe starts there.
  let high =
    clauses.length === 0
      ? newestId
      : (db
          .prepare<Record<string, unknown>, number>(
            `SELECT e.id FROM entries e INDEXED BY ${orderIndex(filter)} ${whereSql(clauses)} ORDER BY e.ts DESC, e.id DESC LIMIT 1`,
          )
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
      .prepare<[string], EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} WHERE e.id IN (SELECT value FROM json_each(?)) ORDER BY e.ts DESC, e.id DESC`,
      )
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
        : db
            .prepare<Record<string, unknown>, number>(
              `SELECT count(*) FROM entries e NOT INDEXED ${whereSql(['e.id IN (SELECT value FROM json_each(@probe))', ...clauses])}`,
            )
            .pluck()
            .get(args)!;
    capped = false;
  } else if (clauses.length === 0) {
    const counted = db
      .prepare<[string], number>(`SELECT count(*) FROM (SELECT 1 FROM entries_fts WHERE entries_fts MATCH ? LIMIT ${countCap + 1})`)
      .pluck()
      .get(text)!;
    [total, capped] = [Math.min(counted, countCap), counted > countCap];
  } else {
    [total, capped] = rows.length < limit ? [rows.length, false] : [rows.length, true];
  }
  const density = probe.length / Math.max(1, high - low + 1);
  const snippets = snippetsFor(
    db,
    text,
    rows.map((row) => row.id),
    density,
    marks,
  );
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
export function snippetsFor(db: Db, text: string, ids: number[], density: number, marks: [string, string]): Map<number, string> {
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
  for (let start = 0; start < sorted.length;) {
    let end = start + 1;
    while (end < sorted.length && sorted[end]! - sorted[end - 1]! <= gap) end += 1;
    const run = sorted.slice(start, end);
    for (const [id, snippet] of walk.all(marks[0], marks[1], text, BigInt(run[0]!), BigInt(run.at(-1)!), JSON.stringify(run)))
      snippets.set(id, snippet);
    start = end;
  }
  return snippets;
}
