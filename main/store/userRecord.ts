// A user's record, what trust and safety teams look up first: the reports against them and by
// them with where each stands, the tags and notes on them, the tags and notes on their entries,
// and the watchlist's matches among what they wrote. Read from narrow indexes: the user's own
// entries (entries_user_ts), the reports (thousands, read whole), tag links and notes by target.
import type { AbuseReportSummary, Note, UserRecord } from '../../shared/review.js';
import type { EntryRecord } from '../../shared/entryRecord.js';
import type { Db } from './db.js';
import { entryById } from './entryQuery.js';
import { notesOf } from './notes.js';
import { listReports } from './reports.js';

/** Matches shown with the record (the count says how many there are in all). */
const MATCHES_SHOWN = 20;

/** A user's record: of one chat domain's user when `domain` says which (a user ID is a user in each domain), else of every domain's. */
export function userRecord(db: Db, userId: string, domain?: string): UserRecord {
  const reports = listReports(db, { user: userId }).filter((report) => domain === undefined || report.domainId === domain);
  const ids = db
    .prepare<[string, string | null, string | null], number>(
      'SELECT id FROM users WHERE user_id = ? AND (? IS NULL OR domain_id = ?) ORDER BY id',
    )
    .pluck()
    .all(userId, domain ?? null, domain ?? null);
  const tags: string[] = [];
  const notes: Note[] = [];
  for (const id of ids) {
    tags.push(
      ...db
        .prepare<[number], string>(
          "SELECT t.name FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE l.target = 'user' AND l.target_id = ?",
        )
        .pluck()
        .all(id),
    );
    notes.push(...notesOf(db, 'user', id));
  }
  const theirs = `SELECT e.id FROM entries e WHERE e.user_id IN (SELECT value FROM json_each(@users))`;
  const users = JSON.stringify(ids);
  const entryTags = db
    .prepare<{ users: string }, { tag: string; entries: number }>(
      `SELECT t.name AS tag, count(*) AS entries FROM tag_links l JOIN tags t ON t.id = l.tag_id
       WHERE l.target = 'entry' AND l.target_id IN (${theirs}) GROUP BY t.id ORDER BY entries DESC, t.name`,
    )
    .all({ users });
  const notedEntries = db
    .prepare<{ users: string }, number>(`SELECT count(DISTINCT target_id) FROM notes WHERE target = 'entry' AND target_id IN (${theirs})`)
    .pluck()
    .get({ users })!;
  const matches = db
    .prepare<{ users: string }, WatchMatchRow>(
      `SELECT m.entry_id, group_concat(w.term, ', ' ORDER BY w.id) AS term FROM watch_matches m JOIN watch_terms w ON w.id = m.term_id
       WHERE m.entry_id IN (${theirs}) GROUP BY m.entry_id ORDER BY m.entry_id DESC`,
    )
    .all({ users });
  return recordOf(userId, { reports, tags, notes, entryTags, notedEntries, matches }, (id) => entryById(db, id)!);
}

/** An entry the watchlist matched, with the terms that matched it (joined by ", ", in the order they were added). */
export interface WatchMatchRow {
  entry_id: number;
  term: string;
}

/** The matches shown with a record: the newest MATCHES_SHOWN (both engines read their entries). */
export const shownMatches = (matches: WatchMatchRow[]) => matches.slice(0, MATCHES_SHOWN);

/** A user's record from what each engine reads: the reports by or against them, tags, notes, their entries' tags, notes and matches. */
export function recordOf(
  userId: string,
  parts: {
    reports: AbuseReportSummary[];
    tags: string[];
    notes: Note[];
    entryTags: UserRecord['entryTags'];
    notedEntries: number;
    /** Newest first. */
    matches: WatchMatchRow[];
  },
  entry: (id: number) => EntryRecord,
): UserRecord {
  return {
    reportsAgainst: parts.reports.filter((r) => r.accused === userId),
    reportsBy: parts.reports.filter((r) => r.reporter === userId),
    tags: [...new Set(parts.tags)].sort(),
    notes: parts.notes.sort((a, b) => a.at - b.at),
    entryTags: parts.entryTags,
    notedEntries: parts.notedEntries,
    watchMatches: parts.matches.length,
    recentMatches: shownMatches(parts.matches).map((row) => ({ term: row.term, seen: true, entry: entry(row.entry_id) })),
  };
}
