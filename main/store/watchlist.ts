// Watchlists: terms in the search language (words, "phrases", prefix*) that flag entries. New
// entries are matched as they arrive (forward only); "check existing entries" matches the rest on
// request. Matches nobody has looked at are the alerts.
import { toFtsQuery } from '../../shared/ftsQuery.js';
import type { WatchMatch, WatchTerm } from '../../shared/review.js';
import { readWatchTerm } from '../../shared/watchTerm.js';
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { entryById } from './entryQuery.js';
import { newestEntryId } from './payloadWriter.js';
import { getSetting, setSetting } from './settings.js';
import { ReviewError } from './tags.js';

export function listWatchTerms(db: Db): WatchTerm[] {
  return db
    .prepare<[], { id: number; term: string; added_at: number; matches: number }>(
      'SELECT w.id, w.term, w.added_at, (SELECT count(*) FROM watch_matches m WHERE m.term_id = w.id) AS matches FROM watch_terms w ORDER BY w.term',
    )
    .all()
    .map((row) => ({ id: row.id, term: row.term, addedAt: row.added_at, matches: row.matches }));
}

/** Adds terms (one a line, as a watchlist file holds them); blank lines and # comments are skipped. Answers the terms added. */
export function addWatchTerms(db: Db, text: string, moderator: string): string[] {
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
  return listWatchTerms(db)
    .map((t) => `${t.term}\n`)
    .join('');
}

/** Matches each term against the entries after `afterId`; answers the new matches, and the terms that found any. */
function matchTerms(
  db: Db,
  terms: Array<{ id: number; term: string; after_entry_id?: number }>,
  afterId: number,
): { found: number; terms: string[] } {
  const insert = db.prepare<[number, number, string, bigint]>(
    'INSERT OR IGNORE INTO watch_matches (term_id, entry_id, found_at) SELECT ?, rowid, ? FROM entries_fts WHERE entries_fts MATCH ? AND rowid > ?',
  );
  let found = 0;
  const matched: string[] = [];
  const now = Date.now();
  for (const { id, term, after_entry_id } of terms) {
    // Rowids bound as BigInt: FTS5 ignores a rowid constraint bound as a REAL.
    const query = toFtsQuery(term);
    if (query === null) continue;
    const n = insert.run(id, now, query, BigInt(Math.max(afterId, after_entry_id ?? 0))).changes;
    found += n;
    if (n > 0) matched.push(term);
  }
  return { found, terms: matched };
}

/** Matches every term against the entries stored since the last call (forward only). */
export function matchNewEntries(db: Db): { found: number; terms: string[] } {
  return db.transaction(() => {
    const after = Number(getSetting(db, 'watch_checked_to') ?? 0);
    const newest = newestEntryId(db);
    if (newest <= after) return { found: 0, terms: [] };
    const terms = db
      .prepare<[], { id: number; term: string; after_entry_id: number }>('SELECT id, term, after_entry_id FROM watch_terms')
      .all();
    const result = matchTerms(db, terms, after);
    setSetting(db, 'watch_checked_to', String(newest));
    return result;
  })();
}

/** "Check existing entries": matches one term (or all) against everything stored. */
export function checkExistingEntries(db: Db, moderator: string, termId?: number): number {
  return db.transaction(() => {
    const terms = db
      .prepare<[number | null, number | null], { id: number; term: string }>('SELECT id, term FROM watch_terms WHERE ? IS NULL OR id = ?')
      .all(termId ?? null, termId ?? null);
    const { found } = matchTerms(db, terms, 0);
    appendAudit(db, 'watchlist checked', moderator, { terms: terms.map((t) => t.term), found });
    return found;
  })();
}

/** Matched entries, newest first, each once with the terms it matched; `markSeen` clears the alerts. */
export function watchMatches(db: Db, { limit = 200, markSeen = false } = {}): WatchMatch[] {
  const rows = db
    .prepare<[number], { term: string; entry_id: number; seen: number }>(
      `SELECT group_concat(w.term, ', ') AS term, m.entry_id, min(m.seen) AS seen
       FROM watch_matches m JOIN watch_terms w ON w.id = m.term_id JOIN entries e ON e.id = m.entry_id
       GROUP BY m.entry_id ORDER BY max(e.ts) DESC, m.entry_id DESC LIMIT ?`,
    )
    .all(limit);
  if (markSeen) db.prepare('UPDATE watch_matches SET seen = 1 WHERE seen = 0').run();
  return rows.map((row) => ({ term: row.term, seen: row.seen === 1, entry: entryById(db, row.entry_id)! }));
}

/** Alerts: entries with a match nobody has looked at (an entry two terms match is one alert). */
export function unseenMatchCount(db: Db): number {
  return db.prepare<[], number>('SELECT count(DISTINCT entry_id) FROM watch_matches WHERE seen = 0').pluck().get()!;
}
