// A user's record over PostgreSQL: what store/userRecord.ts answers over SQLite, put together by
// the same recordOf. Tag names sort as SQLite's NOCASE column sorts them (ASCII letters folded,
// then bytes); a match's terms are joined in the order the terms were added.
import type { AbuseReportSummary, Note, UserRecord } from '../../../../shared/review.js';
import type { EntryRecord } from '../../../../shared/entryRecord.js';
import { CLAIM_COLUMNS } from '../../claims.js';
import { toNote, type NoteRow } from '../../notes.js';
import { toSummary, type ReportRow } from '../../reports.js';
import { recordOf, shownMatches, type WatchMatchRow } from '../../userRecord.js';
import { pgText, type ReadPool } from '../connection.js';
import type { PgReads } from '../reads.js';
import type pg from 'pg';

/** The reports by or against `userId`, newest first (reports.ts's listReports with `user`). */
async function reportsOf(pool: pg.Pool, userId: string): Promise<AbuseReportSummary[]> {
  const rows = await pool.query<ReportRow>(
    `SELECT a.id, a.status, ${CLAIM_COLUMNS}, a.received_at, a.domain_id, a.reporting_user_id, a.abuser_user_id, a.reason, a.description,
       (SELECT r.name FROM abuse_report_entries l JOIN entries e ON e.id = l.entry_id JOIN rooms r ON r.id = e.room_id
         WHERE l.report_id = a.id ORDER BY e.ts, e.id LIMIT 1) AS room,
       (SELECT count(*) FROM abuse_report_entries l WHERE l.report_id = a.id) AS entries
     FROM abuse_reports a WHERE a.reporting_user_id = $1 OR a.abuser_user_id = $1 ORDER BY a.received_at DESC, a.id DESC`,
    [userId],
  );
  return rows.rows.map(toSummary);
}

/** store/userRecord.ts's userRecord: of one chat domain's user when `domain` says which, else of every domain's. */
export async function userRecord({ pool }: ReadPool, reads: PgReads, userId: string, domain?: string): Promise<UserRecord> {
  const asked = pgText(userId);
  const inDomain = domain === undefined ? null : pgText(domain);
  const ids = (
    await pool.query<{ id: number }>('SELECT id FROM users WHERE user_id = $1 AND ($2::text IS NULL OR domain_id = $2) ORDER BY id', [
      asked,
      inDomain,
    ])
  ).rows.map((row) => row.id);
  const theirs = 'SELECT e.id FROM entries e WHERE e.user_id = ANY($1::bigint[])';
  const [reports, tags, notes, entryTags, noted, matches] = await Promise.all([
    reportsOf(pool, asked).then((reports) => reports.filter((report) => inDomain === null || report.domainId === inDomain)),
    pool.query<{ name: string }>(
      "SELECT t.name FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE l.target = 'user' AND l.target_id = ANY($1::bigint[])",
      [ids],
    ),
    // Each user row's notes in turn (by id), each's oldest first: recordOf then sorts them by time, keeping that order for ties.
    pool.query<NoteRow>("SELECT * FROM notes WHERE target = 'user' AND target_id = ANY($1::bigint[]) ORDER BY target_id, at, id", [ids]),
    pool.query<{ tag: string; entries: number }>(
      `SELECT t.name AS tag, count(*) AS entries FROM tag_links l JOIN tags t ON t.id = l.tag_id
       WHERE l.target = 'entry' AND l.target_id IN (${theirs}) GROUP BY t.id ORDER BY entries DESC, omv_nocase(t.name) COLLATE "C"`,
      [ids],
    ),
    pool.query<{ n: number }>(`SELECT count(DISTINCT target_id) AS n FROM notes WHERE target = 'entry' AND target_id IN (${theirs})`, [
      ids,
    ]),
    pool.query<WatchMatchRow>(
      `SELECT m.entry_id, string_agg(w.term, ', ' ORDER BY w.id) AS term FROM watch_matches m JOIN watch_terms w ON w.id = m.term_id
       WHERE m.entry_id IN (${theirs}) GROUP BY m.entry_id ORDER BY m.entry_id DESC`,
      [ids],
    ),
  ]);
  const shown = new Map<number, EntryRecord>();
  for (const entry of await Promise.all(shownMatches(matches.rows).map((row) => reads.entryById(row.entry_id))))
    if (entry) shown.set(entry.id, entry);
  return recordOf(
    userId,
    {
      reports,
      tags: tags.rows.map((row) => row.name),
      notes: notes.rows.map((row): Note => toNote(row)),
      entryTags: entryTags.rows,
      notedEntries: noted.rows[0]!.n,
      matches: matches.rows,
    },
    (id) => shown.get(id)!,
  );
}
