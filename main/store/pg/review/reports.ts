// The report queue's changes over PostgreSQL: a report's status, its claim (claimed, released,
// assigned) and the claims mode, as reviewStore.ts's ReviewStore asks them. What each change does
// and refuses is decided by the functions SQLite's store decides with (claims.ts planClaim,
// planRelease, planAssign; reports.ts planStatusChange); here it is written: the audit row, the
// report's new version and stamp, the status change's row, in one transaction on the writer.
//
// SQLite's writer is the only one; here several desks change reports at once. Each change locks
// the report's row (FOR UPDATE) before reading the state it decides on, so a second change to the
// same report waits for the first to commit and then decides on what the first left (its version
// is stale now: a conflict), as it would one after the other on SQLite. The claims mode is read
// under CLAIMS_LOCK, shared; setClaimsMode takes it exclusively (locks.ts says why).
import type { ClaimsMode, ReportState } from '../../../../shared/review.js';
import { DEFAULT_CLAIMS_MODE, isClaimsMode } from '../../../../shared/review.js';
import type { ReviewStore } from '../../../api/reviewStore.js';
import {
  CLAIM_COLUMNS,
  cleanModeratorName,
  planAssign,
  planClaim,
  planRelease,
  ReportChangeError,
  toReportState,
  type ClaimColumns,
  type ReportActor,
  type ReportChangePlan,
} from '../../claims.js';
import { planStatusChange } from '../../reports.js';
import { inWriteTransaction, pgText, type WriteSession } from '../connection.js';
import type { PgEngine } from '../engine.js';
import { CLAIMS_LOCK } from '../locks.js';
import { appendAuditRow } from '../writes.js';

type ReportChanges = Pick<ReviewStore, 'setReportStatus' | 'claimReport' | 'releaseReport' | 'assignReport' | 'setClaimsMode'>;

type StateRow = ClaimColumns & { id: number; status: ReportState['status'] };

const STATE_COLUMNS = `id, status, ${CLAIM_COLUMNS}`;

async function claimsModeIn(session: WriteSession): Promise<ClaimsMode> {
  const value = (await session.query<{ value: string }>("SELECT value FROM settings WHERE key = 'claims'")).rows[0]?.value ?? null;
  return isClaimsMode(value) ? value : DEFAULT_CLAIMS_MODE;
}

/**
 * Report `id`'s state, its row locked until the transaction ends, and the claims mode to decide
 * under. An id no row can have (not a whole number) is no report, as SQLite answers it: PostgreSQL
 * would refuse it as a bigint instead.
 */
async function lockReport(session: WriteSession, id: number): Promise<{ state: ReportState; mode: ClaimsMode }> {
  await session.query('SELECT pg_advisory_xact_lock_shared($1)', [CLAIMS_LOCK]);
  const row = Number.isSafeInteger(id)
    ? (await session.query<StateRow>(`SELECT ${STATE_COLUMNS} FROM abuse_reports WHERE id = $1 FOR UPDATE`, [id])).rows[0]
    : undefined;
  if (!row) throw new ReportChangeError(`no report ${id}`);
  return { state: toReportState(row), mode: await claimsModeIn(session) };
}

/**
 * Writes a planned change to report `id` (claims.ts stampReport's columns; with `status`, the
 * status too) after its audit row; answers the audit row's number and the report's state after.
 */
async function applyReportChange(
  session: WriteSession,
  id: number,
  plan: ReportChangePlan,
  status?: ReportState['status'],
): Promise<{ auditId: number; state: ReportState }> {
  const { what, by, at } = plan.stamp;
  const auditId = (await appendAuditRow(session, plan.action, by, plan.details, at)).row;
  const values: unknown[] = [id, pgText(what), pgText(by), at];
  let set = 'version = version + 1, changed_what = $2, changed_by = $3, changed_at = $4';
  if (plan.claim !== undefined) {
    set += ', claimed_by = $5, claimed_at = $6, assigned_by = $7';
    values.push(pgText(plan.claim?.by ?? null), plan.claim?.at ?? null, pgText(plan.claim?.assignedBy ?? null));
  }
  if (status !== undefined) {
    values.push(status);
    set += `, status = $${values.length}`;
  }
  const row = (await session.query<StateRow>(`UPDATE abuse_reports SET ${set} WHERE id = $1 RETURNING ${STATE_COLUMNS}`, values)).rows[0]!;
  return { auditId, state: toReportState(row) };
}

/** The actor as PostgreSQL stores their name (pgText), so "is it theirs" compares what is stored. */
const stored = (actor: ReportActor): ReportActor => ({ ...actor, name: pgText(actor.name) });

/** The report changes of the review store, over PostgreSQL. */
export function reportsChanges(engine: PgEngine): ReportChanges {
  const pool = engine.writes.writer.pool;
  const inTransaction = <T>(work: (session: WriteSession) => Promise<T>) => inWriteTransaction(pool, work, { confirmed: true });

  return {
    setReportStatus: (change) =>
      inTransaction(async (session) => {
        const { state, mode } = await lockReport(session, change.id);
        const plan = planStatusChange(mode, state, { ...change, moderator: pgText(change.moderator) });
        const { auditId, state: after } = await applyReportChange(session, state.id, plan, plan.to);
        await session.query(
          'INSERT INTO report_status_changes (report_id, at, moderator, from_status, to_status, reason, audit_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [state.id, plan.stamp.at, plan.stamp.by, plan.from, plan.to, pgText(plan.reason), auditId],
        );
        return { id: change.id, from: plan.from, to: plan.to, auditId, version: after.version };
      }),

    claimReport: (claim) =>
      inTransaction(async (session) => {
        const { state, mode } = await lockReport(session, claim.id);
        const plan = planClaim(mode, state, { ...claim, actor: stored(claim.actor) });
        return plan === null ? state : (await applyReportChange(session, state.id, plan)).state;
      }),

    releaseReport: (release) =>
      inTransaction(async (session) => {
        const { state, mode } = await lockReport(session, release.id);
        const plan = planRelease(mode, state, { ...release, actor: stored(release.actor) });
        return plan === null ? state : (await applyReportChange(session, state.id, plan)).state;
      }),

    assignReport: (assign) => {
      // Refused before any transaction, as SQLite refuses it.
      const to = cleanModeratorName(assign.to);
      return inTransaction(async (session) => {
        const { state, mode } = await lockReport(session, assign.id);
        const plan = planAssign(mode, state, { ...assign, to, actor: stored(assign.actor) });
        return plan === null ? state : (await applyReportChange(session, state.id, plan)).state;
      });
    },

    setClaimsMode: (mode, moderator, at = Date.now()) =>
      inTransaction(async (session) => {
        await session.query('SELECT pg_advisory_xact_lock($1)', [CLAIMS_LOCK]);
        const from = await claimsModeIn(session);
        if (from === mode) return { mode, released: 0 };
        await session.query(
          "INSERT INTO settings (key, value) VALUES ('claims', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          [mode],
        );
        let released = 0;
        if (mode === 'off') {
          // claims.ts stamps each held report 'released' by the moderator, its holder gone.
          const held = await session.query(
            `UPDATE abuse_reports SET version = version + 1, changed_what = 'released', changed_by = $1, changed_at = $2,
               claimed_by = NULL, claimed_at = NULL, assigned_by = NULL
             WHERE claimed_by IS NOT NULL`,
            [pgText(moderator), at],
          );
          released = held.rowCount ?? 0;
        }
        await appendAuditRow(session, 'claims mode set', moderator, { from, to: mode, released }, at);
        return { mode, released };
      }),
  };
}
