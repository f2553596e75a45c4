// Watchlists: terms in the search language (words, "phrases", prefix*) that flag entries. New
// entries are matched as they arrive (forward only); "check existing entries" matches the rest on
// request. Matches nobody has looked at are the alerts.
import Database from 'better-sqlite3';
import { toFtsQuery } from '../../shared/ftsQuery.js';
import type { WatchMatch, WatchTerm } from '../../shared/review.js';
import { readWatchTerm } from '../../shared/watchTerm.js';
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { entryById } from './entryQuery.js';
import { newestEntryId } from './payloadWriter.js';
import { ENTRY_IDS_FREED, getSetting, setSetting } from './settings.js';
import { ReviewError } from './tags.js';

/** A watch_terms row with its count of matches, as both engines read it. */
export interface WatchTermRow {
  id: number;
  term: string;
  added_at: number;
  matches: number;
}

export const toWatchTerm = (row: WatchTermRow): WatchTerm => ({ id: row.id, term: row.term, addedAt: row.added_at, matches: row.matches });

export function listWatchTerms(db: Db): WatchTerm[] {
  return db
    .prepare<[], WatchTermRow>(
      'SELECT w.id, w.term, w.added_at, (SELECT count(*) FROM watch_matches m WHERE m.term_id = w.id) AS matches FROM watch_terms w ORDER BY w.term',
    )
    .all()
    .map(toWatchTerm);
}

/**
 * The terms a watchlist text adds (one a line, as a watchlist file holds them; blank lines and #
 * comments skipped, each once), or a ReviewError saying why one cannot be watched: both engines' check.
 */
export function watchTermsOf(text: string): string[] {
  const terms = [
    ...new Set(
      text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#')),
    ),
  ];
  // A term is read as the desk will mark it (shared/watchTerm.ts): one it cannot read is refused, with why.
  for (const term of terms) {
    const reading = readWatchTerm(term);
    if (!reading.ok) throw new ReviewError(reading.reason);
  }
  return terms;
}

/** Adds terms (one a line, as a watchlist file holds them); blank lines and # comments are skipped. Answers the terms added. */
export function addWatchTerms(db: Db, text: string, moderator: string): string[] {
  const terms = watchTermsOf(text);
  return db.transaction(() => {
    const newest = newestEntryId(db);
    const insert = db.prepare('INSERT OR IGNORE INTO watch_terms (term, added_at, after_entry_id) VALUES (?, ?, ?)');
    const added = terms.filter((term) => insert.run(term, Date.now(), newest).changes > 0);
    if (added.length) appendAudit(db, 'watchlist added', moderator, { terms: added });
    return added;
  })();
}

export function removeWatchTerm(db: Db, id: number, moderator: string): void {
  db.transaction(() => {
    const term = db.prepare<[number], string>('SELECT term FROM watch_terms WHERE id = ?').pluck().get(id);
    if (term === undefined) return;
    db.prepare('DELETE FROM watch_matches WHERE term_id = ?').run(id);
    db.prepare('DELETE FROM watch_terms WHERE id = ?').run(id);
    appendAudit(db, 'watchlist removed', moderator, { term });
  })();
}

/** The watchlist as a file: one term a line. */
export function watchlistText(db: Db): string {
  return watchlistFile(listWatchTerms(db));
}

/** Terms as a watchlist file holds them: one a line, each line ended. */
export const watchlistFile = (terms: readonly WatchTerm[]): string => terms.map((t) => `${t.term}\n`).join('');

export interface TermToMatch {
  id: number;
  term: string;
  /** The term looks at entries after this one (forward only, from when it was added). */
  after_entry_id: number;
}

/** A match found: the term's id and the entry's. */
export type WatchHit = [termId: number, entryId: number];

/**
 * A round of forward matching: the entries committed and not matched yet, as id ranges (after,
 * upTo] in id order, and what recording the round's matches marks as done, in their transaction.
 */
export interface WatchRound {
  ranges: ReadonlyArray<{ after: number; upTo: number }>;
  /**
   * SQLite: how far forward matching had looked (`from`) and will have (`to`): its one writer commits
   * entries in id order. `freed`: the ENTRY_IDS_FREED count when the round began.
   */
  checked?: { from: number; to: number; freed: string | null };
  /** PostgreSQL: the rows of watch_queue the ranges came from, taken off as the round is recorded. */
  queued?: readonly number[];
  /** More is waiting than one round takes. */
  more: boolean;
}

/**
 * What watch matching (api/watchAlerts.ts) asks of a store, whichever engine: the terms, what is
 * still to match, the matches found written (in a short transaction of their own), a check's audit
 * row, the alerts. SQLite's are the functions below; PostgreSQL's are store/pg/review/watchlist.ts.
 */
export interface WatchRecords {
  /** The terms to match (`termId`: that one; undefined, or a number that is none (NaN), every term), by id. */
  termsToMatch(termId?: number): Promise<TermToMatch[]>;
  /** The newest entry committed: "check existing entries" looks up to it. */
  newestEntryId(): Promise<number>;
  unmatched(): Promise<WatchRound>;
  /**
   * Writes matches; with `round`, marks that round's entries matched. `stale`: the round was overtaken
   * (nothing written): another round is to be made.
   */
  recordWatchHits(hits: readonly WatchHit[], round?: WatchRound): Promise<{ found: number; terms: string[]; stale?: boolean }>;
  auditWatchCheck(moderator: string, terms: readonly TermToMatch[], found: number): Promise<void>;
  unseenMatchCount(): Promise<number>;
}

/** SQLite's WatchRecords: the functions of this module on the writer's connection. */
export function sqliteWatchRecords(db: Db): WatchRecords {
  return {
    termsToMatch: async (termId) => termsToMatch(db, termId),
    newestEntryId: async () => newestEntryId(db),
    unmatched: async () => {
      const { after, upTo, freed } = unmatchedRange(db);
      return { ranges: upTo > after ? [{ after, upTo }] : [], checked: { from: after, to: upTo, freed }, more: false };
    },
    recordWatchHits: async (hits, round) => recordWatchHits(db, hits, round?.checked),
    auditWatchCheck: async (moderator, terms, found) => auditWatchCheck(db, moderator, terms, found),
    unseenMatchCount: async () => unseenMatchCount(db),
  };
}

/** The terms to match, each with the entry it looks forward from. */
export function termsToMatch(db: Db, termId?: number): TermToMatch[] {
  return db
    .prepare<[number | null, number | null], TermToMatch>(
      'SELECT id, term, after_entry_id FROM watch_terms WHERE ? IS NULL OR id = ? ORDER BY id',
    )
    .all(termId ?? null, termId ?? null);
}

/** New entries up to this many are matched in an index of their own; more, through the full-text index. */
const SCRATCH_LIMIT = 20_000;

/** One term's search: its text, its FTS5 expression, over the entries after `from` up to the range's end. */
export interface WatchSearch {
  termId: number;
  term: string;
  query: string;
  from: bigint;
}

/**
 * What findWatchHits searches, whichever engine answers: each term the watchlist can read, from
 * its own starting point on (from the range's start, for `everything`), up to `upTo`; null when
 * there is nothing to search. `fresh`: few new entries, indexed apart (their range starts after
 * `after`). Rowid bounds are integers: one that is none throws here, for every engine alike.
 */
export function watchSearches(
  terms: readonly TermToMatch[],
  after: number,
  upTo: number,
  everything: boolean,
): { searches: WatchSearch[]; upTo: bigint; fresh: { after: bigint } | null } | null {
  const searches = terms.flatMap((t) => {
    // A term an older omv stored that the watchlist now refuses (`*a`) matches nothing, here as in the desk.
    const query = readWatchTerm(t.term).ok ? toFtsQuery(t.term) : null;
    return query === null ? [] : [{ termId: t.id, term: t.term, query, from: everything ? after : Math.max(after, t.after_entry_id) }];
  });
  if (searches.length === 0 || upTo <= after) return null;
  const upper = rowidBound(upTo);
  const fresh = upTo - after > SCRATCH_LIMIT || everything ? null : { after: rowidBound(after) };
  return { searches: searches.map((s) => ({ ...s, from: rowidBound(s.from) })), upTo: upper, fresh };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A rowid bound as the index takes it: a whole number of 64 bits (BigInt throws a RangeError for a number that is none). */
function rowidBound(value: number): bigint {
  const bound = BigInt(value);
  if (bound < INT64_MIN || bound > INT64_MAX) throw new RangeError(`an entry id bound of more than 64 bits: ${value}`);
  return bound;
}

/**
 * The entries in (after, upTo] each term matches (from its own starting point on). A read, for a
 * connection apart from the writer's. A few new entries are indexed on their own in memory (the
 * same tokenizer), so ten thousand terms cost ten thousand lookups in a tiny index; many new
 * entries (an import), or `everything` ("check existing entries"), go through the full index.
 * Hits come term by term in the order given, each term's entries in id order.
 */
export function findWatchHits(db: Db, terms: readonly TermToMatch[], after: number, upTo: number, everything = false): WatchHit[] {
  const hits: WatchHit[] = [];
  const plan = watchSearches(terms, after, upTo, everything);
  if (plan === null) return hits;
  // Rowids bound as BigInt: FTS5 ignores a rowid constraint bound as a REAL.
  if (plan.fresh === null) {
    const find = db
      .prepare<[string, bigint, bigint], number>('SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? AND rowid > ? AND rowid <= ?')
      .pluck();
    for (const q of plan.searches) for (const entryId of find.all(q.query, q.from, plan.upTo)) hits.push([q.termId, entryId]);
    return hits;
  }
  const fresh = plan.fresh;
  const scratch = new Database(':memory:');
  try {
    scratch.exec(`CREATE VIRTUAL TABLE fresh USING fts5 (content, tokenize = 'unicode61 remove_diacritics 2')`);
    const insert = scratch.prepare('INSERT INTO fresh (rowid, content) VALUES (?, ?)');
    scratch.transaction(() => {
      for (const row of db
        .prepare<[bigint, bigint], { id: number; content: string }>(
          'SELECT id, content FROM entries WHERE id > ? AND id <= ? AND content IS NOT NULL',
        )
        .iterate(fresh.after, plan.upTo))
        insert.run(row.id, row.content);
    })();
    const find = scratch.prepare<[string, bigint], number>('SELECT rowid FROM fresh WHERE fresh MATCH ? AND rowid > ?').pluck();
    for (const q of plan.searches) for (const entryId of find.all(q.query, q.from)) hits.push([q.termId, entryId]);
    return hits;
  } finally {
    scratch.close();
  }
}

/**
 * Writes matches found apart from the writer (terms removed meanwhile are skipped), and, for
 * forward matching, how far it has looked. Answers the new matches and the terms that found any.
 */
export function recordWatchHits(
  db: Db,
  hits: readonly WatchHit[],
  checked?: { from: number; to: number; freed: string | null },
): { found: number; terms: string[]; stale?: boolean } {
  return db
    .transaction(() => {
      // Forward matching's round is written only as things were when it began: not when a purge took
      // the newest entries meanwhile (purge.ts: their ids may be new entries' now, which its hits would
      // name), nor when another process's round moved the mark on.
      if (
        checked !== undefined &&
        (Number(getSetting(db, 'watch_checked_to') ?? 0) !== checked.from || getSetting(db, ENTRY_IDS_FREED) !== checked.freed)
      )
        return { found: 0, terms: [], stale: true };
      const insert = db.prepare(
        'INSERT OR IGNORE INTO watch_matches (term_id, entry_id, found_at) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM watch_terms WHERE id = ?) AND EXISTS (SELECT 1 FROM entries WHERE id = ?)',
      );
      const now = Date.now();
      const matched = new Set<number>();
      let found = 0;
      for (const [termId, entryId] of hits) {
        const n = insert.run(termId, entryId, now, termId, entryId).changes;
        found += n;
        if (n > 0) matched.add(termId);
      }
      if (checked !== undefined) setSetting(db, 'watch_checked_to', String(checked.to));
      const names = db.prepare<[number], string>('SELECT term FROM watch_terms WHERE id = ?').pluck();
      return { found, terms: [...matched].map((id) => names.get(id)!).filter((t) => t !== undefined) };
    })
    .immediate();
}

/**
 * How far forward matching has looked, and the newest entry now: the range still to match; with
 * the count of purges that freed ids (purge.ts). One statement: one snapshot of the three.
 */
export function unmatchedRange(db: Db): { after: number; upTo: number; freed: string | null } {
  const row = db
    .prepare<[string], { after: string | null; up_to: number; freed: string | null }>(
      `SELECT (SELECT value FROM settings WHERE key = 'watch_checked_to') AS after, (SELECT coalesce(max(id), 0) FROM entries) AS up_to,
         (SELECT value FROM settings WHERE key = ?) AS freed`,
    )
    .get(ENTRY_IDS_FREED)!;
  return { after: Number(row.after ?? 0), upTo: row.up_to, freed: row.freed };
}

/** Records a "check existing entries" and what it found. */
export function auditWatchCheck(db: Db, moderator: string, terms: readonly TermToMatch[], found: number): void {
  db.transaction(() => appendAudit(db, 'watchlist checked', moderator, { terms: terms.map((t) => t.term), found })).immediate();
}

/** Matched entries, newest first, each once with the terms it matched; `markSeen` clears the alerts (audited, as `moderator`). */
export function watchMatches(db: Db, { limit = 200, markSeen = false, moderator = '' } = {}): WatchMatch[] {
  const rows = db
    .prepare<[number], { term: string; entry_id: number; seen: number }>(
      `SELECT group_concat(w.term, ', ') AS term, m.entry_id, min(m.seen) AS seen
       FROM watch_matches m JOIN watch_terms w ON w.id = m.term_id JOIN entries e ON e.id = m.entry_id
       GROUP BY m.entry_id ORDER BY max(e.ts) DESC, m.entry_id DESC LIMIT ?`,
    )
    .all(limit);
  if (markSeen)
    db.transaction(() => {
      const cleared = unseenMatchCount(db);
      if (cleared === 0) return;
      db.prepare('UPDATE watch_matches SET seen = 1 WHERE seen = 0').run();
      appendAudit(db, 'alerts cleared', moderator, { alerts: cleared });
    })();
  return rows.map((row) => ({ term: row.term, seen: row.seen === 1, entry: entryById(db, row.entry_id)! }));
}

/** Alerts: entries with a match nobody has looked at (an entry two terms match is one alert). */
export function unseenMatchCount(db: Db): number {
  return db.prepare<[], number>('SELECT count(DISTINCT entry_id) FROM watch_matches WHERE seen = 0').pluck().get()!;
}
