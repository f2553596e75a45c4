// Saved searches: a name for a query in the search language, listed with how many matches arrived
// since each was last opened.
import { parseSearch } from '../../shared/searchQuery.js';
import type { EntryFilter } from '../../shared/api.js';
import type { SavedSearch } from '../../shared/review.js';
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { where, whereSql } from './entryQuery.js';
import { newestEntryId } from './payloadWriter.js';
import { ReviewError } from './tags.js';

/** New matches are counted up to this many ("1000+" is all a list needs to say). */
export const NEW_CAP = 1000;

export interface SavedRow {
  id: number;
  name: string;
  query: string;
  created_at: number;
  opened_at: number;
  seen_entry_id: number;
}

/** The filter a saved search's query makes, or null when it no longer reads (it then has no new matches). */
export function savedFilter(query: string): EntryFilter | null {
  const { filter, errors } = parseSearch(query);
  return errors.length ? null : filter;
}

export const toSavedSearch = (row: SavedRow, newMatches: number): SavedSearch => ({
  id: row.id,
  name: row.name,
  query: row.query,
  createdAt: row.created_at,
  openedAt: row.opened_at,
  newMatches,
});

function newMatches(db: Db, query: string, seenEntryId: number): number {
  const filter = savedFilter(query);
  if (filter === null) return 0;
  const { clauses, params } = where(db, filter, false, { afterId: seenEntryId });
  return db
    .prepare<Record<string, unknown>, number>(`SELECT count(*) FROM (SELECT 1 FROM entries e ${whereSql(clauses)} LIMIT ${NEW_CAP})`)
    .pluck()
    .get(params)!;
}

export function listSavedSearches(db: Db): SavedSearch[] {
  return db
    .prepare<[], SavedRow>('SELECT * FROM saved_searches ORDER BY name')
    .all()
    .map((row) => toSavedSearch(row, newMatches(db, row.query, row.seen_entry_id)));
}

export function saveSearch(db: Db, name: string, query: string, moderator: string): SavedSearch {
  const label = name.trim();
  if (label === '' || label.length > 80) throw new ReviewError('a saved search needs a name of 1 to 80 characters');
  const parsed = parseSearch(query);
  if (parsed.errors.length) throw new ReviewError(parsed.errors.join('; '));
  return db.transaction(() => {
    const now = Date.now();
    db.prepare(
      `INSERT INTO saved_searches (name, query, created_at, opened_at, seen_entry_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET query = excluded.query, opened_at = excluded.opened_at, seen_entry_id = excluded.seen_entry_id`,
    ).run(label, query, now, now, newestEntryId(db));
    appendAudit(db, 'search saved', moderator, { name: label, query });
    // Just saved: nothing is new to it yet. Counting every saved search's matches is a read, not the writer's work.
    return toSavedSearch(db.prepare<[string], SavedRow>('SELECT * FROM saved_searches WHERE name = ?').get(label)!, 0);
  })();
}

/** Opened: its new matches are seen (audited: who looked at what, when). Answers the query to run. */
export function openSavedSearch(db: Db, id: number, moderator: string): string {
  return db.transaction(() => {
    const row = db.prepare<[number], SavedRow>('SELECT * FROM saved_searches WHERE id = ?').get(id);
    if (!row) throw new ReviewError(`no saved search ${id}`);
    db.prepare('UPDATE saved_searches SET opened_at = ?, seen_entry_id = ? WHERE id = ?').run(Date.now(), newestEntryId(db), id);
    appendAudit(db, 'search opened', moderator, { name: row.name, query: row.query });
    return row.query;
  })();
}

export function deleteSavedSearch(db: Db, id: number, moderator: string): void {
  db.transaction(() => {
    const name = db.prepare<[number], string>('SELECT name FROM saved_searches WHERE id = ?').pluck().get(id);
    if (name === undefined) return;
    db.prepare('DELETE FROM saved_searches WHERE id = ?').run(id);
    appendAudit(db, 'search deleted', moderator, { name });
  })();
}
