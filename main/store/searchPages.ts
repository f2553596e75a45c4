// Every hit of a search, a page at a time, and exactly how many there are: the desk and
// `omv search` page through all of them (newest first, keyset on (timestamp, id), never OFFSET)
// rather than stop at the newest few hundred, and say the exact count rather than "more than".
// The first page of a search with words comes from entrySearch.ts, which is quicker at it; this
// file serves the pages after it, searches that only exclude (`-spam`), and the counts.
import type { EntryFilter, Keyset, SearchHit } from '../../shared/api.js';
import { ftsParts } from '../../shared/ftsQuery.js';
import type { Db } from './db.js';
import { ENTRY_COLUMNS, ENTRY_JOINS, NOTHING, toRecord, where, whereSql, type EntryRow } from './entryQuery.js';
import { snippetsFor } from './entrySearch.js';

/**
 * How a page's hits are found, by how common the words are (measured at 1,000,000 entries, a page
 * of 200 from the middle): up to FEW matches are looked up by id and sorted (a rare word: 1 ms,
 * where walking the time index to find its few matches takes 100 ms); a word in more than DENSE of
 * all entries is checked row by row down the time index (25 ms for "the", in 37%, where collecting
 * its 374,000 matches first takes 700 ms); in between, its matches are collected once and the time
 * index is walked against them (50 ms for a word in 9%, where checking row by row takes 200 ms).
 */
const FEW = 20_000;
const DENSE = 0.12;

/** The index that serves ORDER BY ts, id under the filter's room or user (as entrySearch.ts's). */
function orderIndex(filter: EntryFilter): string {
  if (filter.user !== undefined) return 'entries_user_ts';
  if (filter.room !== undefined || filter.inRoom !== undefined) return 'entries_identity';
  return 'entries_ts';
}

/** The time range's upper bound adds nothing below a position inside it (and would make SQLite walk from it): drop it then. */
function below(filter: EntryFilter, before: Keyset | undefined): { filter: EntryFilter; before: Keyset | undefined } {
  if (!before || filter.to === undefined) return { filter, before };
  return before.timestamp > filter.to ? { filter, before: undefined } : { filter: { ...filter, to: undefined }, before };
}

const countUpTo = (db: Db, match: string, cap: number) =>
  db
    .prepare<[string], number>(`SELECT count(*) FROM (SELECT 1 FROM entries_fts WHERE entries_fts MATCH ? LIMIT ${Math.trunc(cap)})`)
    .pluck()
    .get(match)!;

const newestId = (db: Db) => db.prepare<[], number | null>('SELECT max(id) FROM entries').pluck().get() ?? 0;

/**
 * The `limit` newest hits strictly before `before` (from the newest, without it), newest first,
 * with snippets marked by `marks` (a search that only excludes shows the content as it is).
 * `more` says whether older hits are left.
 */
export function searchPage(
  db: Db,
  wanted: EntryFilter,
  limit: number,
  position: Keyset | undefined,
  marks: [string, string],
): { hits: SearchHit[]; more: boolean } {
  const { filter, before } = below(wanted, position);
  const parts = filter.text === undefined ? null : ftsParts(filter.text);
  const { clauses, params } = where(db, { ...filter, text: undefined });
  if (clauses.includes(NOTHING)) return { hits: [], more: false };
  if (before) {
    clauses.push('(e.ts, e.id) < (@beforeTs, @beforeId)');
    Object.assign(params, { beforeTs: before.timestamp, beforeId: before.id });
  }
  const take = `ORDER BY e.ts DESC, e.id DESC LIMIT ${Math.trunc(limit) + 1}`;
  let rows: EntryRow[];
  let density = 0;
  if (parts?.match) {
    const matches = countUpTo(db, parts.match, FEW + 1);
    const args = { ...params, match: parts.match };
    if (matches <= FEW) {
      density = matches / Math.max(1, newestId(db));
      rows = db
        .prepare<Record<string, unknown>, EntryRow>(
          // NOT INDEXED: the matches by id, then sorted (a room's or the time index would be walked instead).
          `SELECT ${ENTRY_COLUMNS} FROM entries e NOT INDEXED ${ENTRY_JOINS}
           ${whereSql(['e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH @match)', ...clauses])} ${take}`,
        )
        .all(args);
    } else {
      const entries = newestId(db);
      const denseAt = Math.ceil(DENSE * entries);
      const counted = countUpTo(db, parts.match, denseAt);
      density = counted / Math.max(1, entries);
      const matching =
        counted >= denseAt
          ? 'EXISTS (SELECT 1 FROM entries_fts WHERE entries_fts MATCH @match AND rowid = e.id)'
          : 'e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH @match)';
      rows = db
        .prepare<Record<string, unknown>, EntryRow>(
          `SELECT ${ENTRY_COLUMNS} FROM entries e INDEXED BY ${orderIndex(filter)} ${ENTRY_JOINS} ${whereSql([...clauses, matching])} ${take}`,
        )
        .all(args);
    }
  } else {
    // Only exclusions (or no text): down the time index, each row checked against the excluded words.
    const excluding = parts?.exclude ? ['NOT EXISTS (SELECT 1 FROM entries_fts WHERE entries_fts MATCH @exclude AND rowid = e.id)'] : [];
    rows = db
      .prepare<Record<string, unknown>, EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM entries e INDEXED BY ${orderIndex(filter)} ${ENTRY_JOINS} ${whereSql([...clauses, ...excluding])} ${take}`,
      )
      .all({ ...params, ...(parts?.exclude ? { exclude: parts.exclude } : {}) });
  }
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const snippets = parts?.match
    ? snippetsFor(
        db,
        parts.match,
        page.map((row) => row.id),
        density,
        marks,
      )
    : new Map<number, string>();
  return { hits: page.map((row) => ({ ...toRecord(row), snippet: snippets.get(row.id) ?? row.content ?? '' })), more };
}

/**
 * Exactly how many entries a filter selects. Costly ones (a common word in one room: every match
 * looked up) run where reads run, under the time limit; the desk shows the count once it is known.
 */
export function countEntries(db: Db, filter: EntryFilter): number {
  const parts = filter.text === undefined ? null : ftsParts(filter.text);
  const { clauses, params } = where(db, { ...filter, text: undefined });
  if (clauses.includes(NOTHING)) return 0;
  if (parts?.match) {
    if (clauses.length === 0) return countUpTo(db, parts.match, Number.MAX_SAFE_INTEGER);
    return db
      .prepare<Record<string, unknown>, number>(
        `SELECT count(*) FROM entries e NOT INDEXED ${whereSql(['e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH @match)', ...clauses])}`,
      )
      .pluck()
      .get({ ...params, match: parts.match })!;
  }
  if (parts?.exclude) {
    clauses.push('e.id NOT IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH @exclude)');
    params['exclude'] = parts.exclude;
  }
  // Every entry: the rooms' kept counters, not a count of millions.
  if (clauses.length === 0) return db.prepare<[], number>('SELECT coalesce(sum(entry_count), 0) FROM rooms').pluck().get()!;
  return db
    .prepare<Record<string, unknown>, number>(`SELECT count(*) FROM entries e ${whereSql(clauses)}`)
    .pluck()
    .get(params)!;
}
