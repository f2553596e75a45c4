// The abuse report queue over PostgreSQL: what store/reports.ts (listReports, reportCounts,
// reportDetail) and claims.ts (knownModerators) answer over SQLite, row for row. Where SQLite's
// rules are its own, they are spelt out: LIKE folds the case of ASCII letters only (omv_nocase on
// both sides here), COLLATE NOCASE orders by those folded bytes ("C" here), and ties keep the
// bytes' order.
import type pg from 'pg';
import type { AbuseReportSummary, ReportDetail, ReportStatus } from '../../../../shared/review.js';
import { CLAIM_COLUMNS, ReportChangeError } from '../../claims.js';
import { ENTRY_COLUMNS, ENTRY_JOINS, toRecord, type EntryRow } from '../../entryQuery.js';
import { reportTextPattern, toSummary, type ReportRow } from '../../reports.js';
import { Params } from '../connection.js';
import { inOneSnapshot } from './snapshot.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

const SUMMARY = `
  SELECT a.id, a.status, ${CLAIM_COLUMNS}, a.received_at, a.domain_id, a.reporting_user_id, a.abuser_user_id, a.reason, a.description,
    (SELECT r.name FROM abuse_report_entries l JOIN entries e ON e.id = l.entry_id JOIN rooms r ON r.id = e.room_id
      WHERE l.report_id = a.id ORDER BY e.ts, e.id LIMIT 1) AS room,
    (SELECT count(*) FROM abuse_report_entries l WHERE l.report_id = a.id) AS entries
  FROM abuse_reports a`;

/** Reports, newest first, as listReports (store/reports.ts) selects them. */
export async function listReports(
  client: Queryable,
  options: { status?: ReportStatus; text?: string; user?: string } = {},
): Promise<AbuseReportSummary[]> {
  const params = new Params();
  const clauses: string[] = [];
  if (options.status !== undefined) clauses.push(`a.status = ${params.add(options.status)}`);
  if (options.text !== undefined && options.text.trim() !== '') {
    const text = `omv_nocase(${params.add(reportTextPattern(options.text.trim()))})`;
    const like = (column: string) => `omv_nocase(${column}) LIKE ${text} ESCAPE '\\'`;
    clauses.push(`(${['a.description', 'a.reason', 'a.reporting_user_id', 'a.abuser_user_id'].map(like).join(' OR ')})`);
  }
  if (options.user !== undefined) {
    const user = params.add(options.user);
    clauses.push(`(a.reporting_user_id = ${user} OR a.abuser_user_id = ${user})`);
  }
  const rows = await client.query<ReportRow>(
    `${SUMMARY} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY a.received_at DESC, a.id DESC`,
    params.values,
  );
  return rows.rows.map(toSummary);
}

export async function reportCounts(client: Queryable): Promise<Record<ReportStatus, number>> {
  const counts: Record<ReportStatus, number> = { open: 0, 'in review': 0, actioned: 0, dismissed: 0 };
  const rows = await client.query<{ status: ReportStatus; n: number }>('SELECT status, count(*) AS n FROM abuse_reports GROUP BY status');
  for (const row of rows.rows) counts[row.status] = row.n;
  return counts;
}

/** One report whole (reportDetail): read in one snapshot, so its fields, messages and history agree. */
export async function reportDetail(pool: pg.Pool, id: number): Promise<ReportDetail> {
  // An id that is no whole number names no report (SQLite finds none; PostgreSQL would refuse it as a bigint).
  if (!Number.isSafeInteger(id)) throw new ReportChangeError(`no report ${id}`);
  return inOneSnapshot(pool, async (session) => {
    const row = (
      await session.query<ReportRow & { abuser_ip_address: string | null; recording_name: string | null; recording_url: string | null }>(
        `SELECT s.*, x.abuser_ip_address, x.recording_name, x.recording_url
         FROM (${SUMMARY} WHERE a.id = $1) s JOIN abuse_reports x ON x.id = s.id`,
        [id],
      )
    ).rows[0];
    if (!row) throw new ReportChangeError(`no report ${id}`);
    const messages = await session.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM abuse_report_entries l JOIN entries e ON e.id = l.entry_id ${ENTRY_JOINS}
       WHERE l.report_id = $1 ORDER BY e.ts, e.id`,
      [id],
    );
    const history = await session.query<{
      at: number;
      moderator: string;
      from_status: ReportStatus;
      to_status: ReportStatus;
      reason: string | null;
    }>('SELECT at, moderator, from_status, to_status, reason FROM report_status_changes WHERE report_id = $1 ORDER BY at, id', [id]);
    return {
      ...toSummary(row),
      ipAddress: row.abuser_ip_address,
      recordingName: row.recording_name,
      recordingUrl: row.recording_url,
      messages: messages.rows.map(toRecord),
      history: history.rows.map((h) => ({ at: h.at, moderator: h.moderator, from: h.from_status, to: h.to_status, reason: h.reason })),
    };
  });
}

/**
 * Names a report can be given to (knownModerators): SQLite's UNION keeps names that differ in
 * bytes, ORDER BY … COLLATE NOCASE sorts them by their ASCII-folded bytes, and names equal so stay
 * in the UNION's (byte) order.
 */
export async function knownModerators(client: Queryable): Promise<string[]> {
  const rows = await client.query<{ name: string }>(
    `SELECT name FROM (
       SELECT claimed_by AS name FROM abuse_reports WHERE claimed_by IS NOT NULL
       UNION SELECT assigned_by FROM abuse_reports WHERE assigned_by IS NOT NULL
       UNION SELECT moderator FROM report_status_changes) AS known
     ORDER BY omv_nocase(name) COLLATE "C", name COLLATE "C" LIMIT 500`,
  );
  return rows.rows.map((row) => row.name);
}
