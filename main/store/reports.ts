// The abuse report queue: every report received, where it stands, who holds it (claims.ts), and
// each change of its status (who, when, why), recorded in the audit trail in the same transaction,
// on the version of the report the moderator saw.
import {
  NEXT_STATUSES,
  needsReason,
  type AbuseReportSummary,
  type ClaimsMode,
  type ReportDetail,
  type ReportState,
  type ReportStatus,
} from '../../shared/review.js';
import { appendAudit } from './audit.js';
import {
  assertMayMove,
  assertReportVersion,
  CLAIM_COLUMNS,
  claimOf,
  claimsMode,
  isDecided,
  ReportChangeError,
  reportState,
  stampOf,
  stampReport,
  type ClaimColumns,
  type ReportChangePlan,
} from './claims.js';
import type { Db } from './db.js';
import { entryById } from './entryQuery.js';
import { UserFacingError } from '../../shared/userFacingError.js';

export { ReportChangeError };

/** A report's row as SUMMARY reads it (the PostgreSQL store reads the same columns: pg/desk/reports.ts). */
export interface ReportRow extends ClaimColumns {
  id: number;
  status: ReportStatus;
  received_at: number;
  domain_id: string;
  reporting_user_id: string | null;
  abuser_user_id: string | null;
  reason: string | null;
  description: string | null;
  room: string | null;
  entries: number;
}

const SUMMARY = `
  SELECT a.id, a.status, ${CLAIM_COLUMNS}, a.received_at, a.domain_id, a.reporting_user_id, a.abuser_user_id, a.reason, a.description,
    (SELECT r.name FROM abuse_report_entries l JOIN entries e ON e.id = l.entry_id JOIN rooms r ON r.id = e.room_id
      WHERE l.report_id = a.id ORDER BY e.ts, e.id LIMIT 1) AS room,
    (SELECT count(*) FROM abuse_report_entries l WHERE l.report_id = a.id) AS entries
  FROM abuse_reports a`;

export const toSummary = (row: ReportRow): AbuseReportSummary => ({
  id: row.id,
  status: row.status,
  receivedAt: row.received_at,
  domainId: row.domain_id,
  reporter: row.reporting_user_id,
  accused: row.abuser_user_id,
  reason: row.reason,
  description: row.description,
  room: row.room,
  entries: row.entries,
  version: row.version,
  claim: claimOf(row),
  lastChange: stampOf(row),
});

/** The longest text the queue is searched for: SQLite refuses a LIKE pattern over 50,000 bytes, and a UTF-16 unit is at most 3 bytes of UTF-8. */
export const REPORT_TEXT_LIMIT = 10_000;

/**
 * The LIKE pattern that looks for `text` as it is: LIKE's own characters escaped with \\. A NUL is
 * looked for as U+FFFD, what the store keeps for one (SQLite would read the pattern only up to the
 * NUL, and PostgreSQL's text cannot hold one); a text past REPORT_TEXT_LIMIT is refused, clearly,
 * where SQLite would fail with "LIKE or GLOB pattern too complex".
 */
export function reportTextPattern(text: string): string {
  if (text.length > REPORT_TEXT_LIMIT)
    throw new UserFacingError(
      `reports are searched for at most ${REPORT_TEXT_LIMIT.toLocaleString('en')} characters of text (this is ${text.length.toLocaleString('en')})`,
    );
  return `%${text.replaceAll('\u0000', '\uFFFD').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Reports, newest first; with `status`, only those; with `text`, those whose description, reason,
 * reporter or accused holds it (any case): reports are thousands, not millions, so they are read
 * whole. With `user`, those by or against that user.
 */
export function listReports(db: Db, options: { status?: ReportStatus; text?: string; user?: string } = {}): AbuseReportSummary[] {
  const clauses: string[] = [];
  const params: Record<string, string> = {};
  if (options.status !== undefined) {
    clauses.push('a.status = @status');
    params['status'] = options.status;
  }
  if (options.text !== undefined && options.text.trim() !== '') {
    clauses.push(
      `(a.description LIKE @text ESCAPE '\\' OR a.reason LIKE @text ESCAPE '\\' OR a.reporting_user_id LIKE @text ESCAPE '\\' OR a.abuser_user_id LIKE @text ESCAPE '\\')`,
    );
    params['text'] = reportTextPattern(options.text.trim());
  }
  if (options.user !== undefined) {
    clauses.push('(a.reporting_user_id = @user OR a.abuser_user_id = @user)');
    params['user'] = options.user;
  }
  return db
    .prepare<Record<string, string>, ReportRow>(
      `${SUMMARY} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY a.received_at DESC, a.id DESC`,
    )
    .all(params)
    .map(toSummary);
}

export function reportCounts(db: Db): Record<ReportStatus, number> {
  const counts: Record<ReportStatus, number> = { open: 0, 'in review': 0, actioned: 0, dismissed: 0 };
  for (const row of db
    .prepare<[], { status: ReportStatus; n: number }>('SELECT status, count(*) AS n FROM abuse_reports GROUP BY status')
    .all())
    counts[row.status] = row.n;
  return counts;
}

export interface ReportChange {
  id: number;
  from: ReportStatus;
  to: ReportStatus;
  auditId: number;
  /** The report's version after the change. */
  version: number;
}

export interface StatusChangeRequest {
  id: number;
  to: ReportStatus;
  reason?: string | undefined;
  moderator: string;
  at?: number;
  version?: number;
  mayAssign?: boolean;
}

/** A move of a report's status, decided: the change to its row (claims.ts) and the row of its history. */
export interface StatusChangePlan extends ReportChangePlan {
  from: ReportStatus;
  to: ReportStatus;
  reason: string | null;
}

/**
 * Decides a move of `state` to `change.to` under the claims `mode`: refuses a move the workflow
 * does not allow, one made on a version other than the report's (`version`: the one the moderator
 * saw; see assertReportVersion for a desk that sends none), and one the claims do not allow
 * (`mayAssign`: the moderator has the "assign" permission; a caller that names no actor, a tool,
 * has). Deciding a report releases its claim.
 */
export function planStatusChange(mode: ClaimsMode, state: ReportState, change: StatusChangeRequest): StatusChangePlan {
  assertReportVersion(mode, state, change.version, 'a decision');
  assertMayMove(mode, state, { name: change.moderator, mayAssign: change.mayAssign ?? true });
  const from = state.status;
  const reason = change.reason?.trim() || null;
  if (!NEXT_STATUSES[from].includes(change.to)) {
    throw new ReportChangeError(`report ${change.id} is ${from}: it can go to ${NEXT_STATUSES[from].join(', ')}, not ${change.to}`);
  }
  if (reason === null && needsReason(from, change.to)) {
    throw new ReportChangeError(`say why report ${change.id} goes from ${from} to ${change.to} (a reason is required)`);
  }
  const at = change.at ?? Date.now();
  // A decided report is nobody's to work on any more: its claim goes with the decision (and says so in its row).
  const released = isDecided(change.to) ? (state.claim?.by ?? null) : null;
  return {
    from,
    to: change.to,
    reason,
    action: 'report status',
    details: { report: change.id, from, to: change.to, reason, ...(released === null ? {} : { released }) },
    stamp: { what: isDecided(from) ? 'reopened' : change.to, by: change.moderator, at },
    ...(released === null ? {} : { claim: null }),
  };
}

/** Moves a report to `to`, recording who, when and why (planStatusChange says which moves are refused). */
export function setReportStatus(db: Db, change: StatusChangeRequest): ReportChange {
  return db.transaction((): ReportChange => {
    const state = reportState(db, change.id);
    const plan = planStatusChange(claimsMode(db), state, change);
    const { at, by } = plan.stamp;
    const auditId = appendAudit(db, plan.action, by, plan.details, at);
    db.prepare('UPDATE abuse_reports SET status = ? WHERE id = ?').run(plan.to, change.id);
    const version = stampReport(db, change.id, plan.stamp, plan.claim);
    db.prepare(
      'INSERT INTO report_status_changes (report_id, at, moderator, from_status, to_status, reason, audit_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(change.id, at, by, plan.from, plan.to, plan.reason, auditId);
    return { id: change.id, from: plan.from, to: plan.to, auditId, version };
  })();
}

/** One report whole: its fields, the reported messages' ids (oldest first) and its history. */
export function reportDetail(db: Db, id: number): ReportDetail {
  const row = db.prepare<[number], ReportRow>(`${SUMMARY} WHERE a.id = ?`).get(id);
  if (!row) throw new ReportChangeError(`no report ${id}`);
  const extra = db
    .prepare<[number], { abuser_ip_address: string | null; recording_name: string | null; recording_url: string | null }>(
      'SELECT abuser_ip_address, recording_name, recording_url FROM abuse_reports WHERE id = ?',
    )
    .get(id)!;
  return {
    ...toSummary(row),
    ipAddress: extra.abuser_ip_address,
    recordingName: extra.recording_name,
    recordingUrl: extra.recording_url,
    messages: db
      .prepare<[number], number>(
        'SELECT l.entry_id FROM abuse_report_entries l JOIN entries e ON e.id = l.entry_id WHERE l.report_id = ? ORDER BY e.ts, e.id',
      )
      .pluck()
      .all(id)
      .map((entryId) => entryById(db, entryId)!),
    history: db
      .prepare<[number], { at: number; moderator: string; from_status: ReportStatus; to_status: ReportStatus; reason: string | null }>(
        'SELECT at, moderator, from_status, to_status, reason FROM report_status_changes WHERE report_id = ? ORDER BY at, id',
      )
      .all(id)
      .map((h) => ({ at: h.at, moderator: h.moderator, from: h.from_status, to: h.to_status, reason: h.reason })),
  };
}
