// Who is working on which report, and the version that says which state of a report a desk saw.
// A report is claimed by a moderator (or assigned to one by a lead), released by its holder or a
// lead; whether claiming is needed to move it is the team's setting (ClaimsMode). Every change to
// a report bumps its version and stamps what changed, by whom and when, in the transaction that
// makes the change and appends its audit row: a desk that acts on an older version gets a
// ConflictError saying who got there first, and nothing is changed.
//
// Who may do what is decided here, inside the change's transaction, from what the caller says of
// the actor (its name, whether it has the "assign" permission): a check made before the
// transaction could be overtaken by another moderator's change in between.
import { ForbiddenError } from '../../shared/access.js';
import { ConflictError } from '../../shared/conflict.js';
import {
  DEFAULT_CLAIMS_MODE,
  isClaimsMode,
  type ClaimsMode,
  type ReportChangeStamp,
  type ReportClaim,
  type ReportState,
  type ReportStatus,
  type AuditAction,
  whyMayNotMove,
} from '../../shared/review.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { getSetting, setSetting } from './settings.js';

export class ReportChangeError extends UserFacingError {}

/** Who is acting on a report: their name, and whether they have the "assign" permission (take over, release or decide another's claim, reopen). */
export interface ReportActor {
  name: string;
  mayAssign: boolean;
}

export type { ReportState };

/** The columns claimOf and stampOf read, for any query over abuse_reports. */
export interface ClaimColumns {
  version: number;
  claimed_by: string | null;
  claimed_at: number | null;
  assigned_by: string | null;
  changed_what: string | null;
  changed_by: string | null;
  changed_at: number | null;
}
export const CLAIM_COLUMNS = 'version, claimed_by, claimed_at, assigned_by, changed_what, changed_by, changed_at';

export const claimOf = (row: ClaimColumns): ReportClaim | null =>
  row.claimed_by === null ? null : { by: row.claimed_by, at: row.claimed_at ?? 0, assignedBy: row.assigned_by };

export const stampOf = (row: ClaimColumns): ReportChangeStamp | null =>
  row.changed_what === null || row.changed_by === null ? null : { what: row.changed_what, by: row.changed_by, at: row.changed_at ?? 0 };

export const isDecided = (status: ReportStatus) => status === 'actioned' || status === 'dismissed';

/** How this desk claims reports (the 'claims' setting; optional until someone sets it). */
export function claimsMode(db: Db): ClaimsMode {
  const value = getSetting(db, 'claims');
  return isClaimsMode(value) ? value : DEFAULT_CLAIMS_MODE;
}

/** Sets the claiming mode; turning claims off releases every claim (the trail says how many). */
export function setClaimsMode(db: Db, mode: ClaimsMode, moderator: string, at = Date.now()): { mode: ClaimsMode; released: number } {
  return db.transaction(() => {
    const from = claimsMode(db);
    if (from === mode) return { mode, released: 0 };
    setSetting(db, 'claims', mode);
    let released = 0;
    if (mode === 'off') {
      const held = db.prepare<[], number>('SELECT id FROM abuse_reports WHERE claimed_by IS NOT NULL').pluck().all();
      for (const id of held) stampReport(db, id, { what: 'released', by: moderator, at }, null);
      released = held.length;
    }
    appendAudit(db, 'claims mode set', moderator, { from, to: mode, released }, at);
    return { mode, released };
  })();
}

export function reportState(db: Db, id: number): ReportState {
  const row = db
    .prepare<[number], ClaimColumns & { id: number; status: ReportStatus }>(
      `SELECT id, status, ${CLAIM_COLUMNS} FROM abuse_reports WHERE id = ?`,
    )
    .get(id);
  if (!row) throw new ReportChangeError(`no report ${id}`);
  return toReportState(row);
}

/** A report's row (its id, status and CLAIM_COLUMNS) as the state the claim calls answer. */
export const toReportState = (row: ClaimColumns & { id: number; status: ReportStatus }): ReportState => ({
  id: row.id,
  status: row.status,
  version: row.version,
  claim: claimOf(row),
  lastChange: stampOf(row),
});

const when = (at: number | null) => (at === null ? '' : ` at ${new Date(at).toISOString()}`);

function reportConflict(
  state: ReportState,
  message: string,
  change?: { change: string; by: string | null; at: number | null },
): ConflictError {
  const last = change ?? {
    change: state.lastChange?.what ?? 'changed',
    by: state.lastChange?.by ?? null,
    at: state.lastChange?.at ?? null,
  };
  return new ConflictError(message, {
    subject: 'report',
    id: state.id,
    version: state.version,
    ...last,
    current: { status: state.status, claim: state.claim },
  });
}

/**
 * Refuses a change made on a version other than the report's. A desk that sends none (an older
 * one) is taken at its word unless claims are required here (`mode`, read in the change's
 * transaction): then it is refused, asking for one.
 */
export function assertReportVersion(mode: ClaimsMode, state: ReportState, seen: number | undefined, doing: string): void {
  if (seen === undefined) {
    if (mode !== 'required') return;
    throw reportConflict(
      state,
      `report ${state.id}: claims are required here, so ${doing} names the version of the report it was made on, and this desk sent none: reload it`,
      { change: 'no version', by: null, at: null },
    );
  }
  if (seen === state.version) return;
  const last = state.lastChange;
  throw reportConflict(
    state,
    `report ${state.id} changed since this desk saw it` +
      (last ? `: ${last.what} by ${last.by}${when(last.at)}` : '') +
      `. Nothing was changed: look at it again and act on the current version (${state.version}).`,
  );
}

/**
 * A change to a report, decided on its state inside the change's transaction: the audit row (its
 * moderator is the stamp's), the stamp, and the holder after it (undefined: unchanged). Each
 * engine writes it in the transaction that decided it (applyReportChange below for SQLite).
 */
export interface ReportChangePlan {
  action: AuditAction;
  details: Record<string, unknown>;
  stamp: ReportChangeStamp;
  claim?: ReportClaim | null;
}

/** Records a change to a report in the caller's transaction: its version goes up and the change is stamped; with `claim`, its holder changes. */
export function stampReport(db: Db, id: number, stamp: ReportChangeStamp, claim?: ReportClaim | null): number {
  const set = 'version = version + 1, changed_what = ?, changed_by = ?, changed_at = ?';
  if (claim === undefined) db.prepare(`UPDATE abuse_reports SET ${set} WHERE id = ?`).run(stamp.what, stamp.by, stamp.at, id);
  else
    db.prepare(`UPDATE abuse_reports SET ${set}, claimed_by = ?, claimed_at = ?, assigned_by = ? WHERE id = ?`).run(
      stamp.what,
      stamp.by,
      stamp.at,
      claim?.by ?? null,
      claim?.at ?? null,
      claim?.assignedBy ?? null,
      id,
    );
  return db.prepare<[number], number>('SELECT version FROM abuse_reports WHERE id = ?').pluck().get(id)!;
}

/** Writes a planned change to report `id` in the caller's transaction: its audit row, then its stamp; answers its audit row's number. */
function applyReportChange(db: Db, id: number, plan: ReportChangePlan): number {
  const auditId = appendAudit(db, plan.action, plan.stamp.by, plan.details, plan.stamp.at);
  stampReport(db, id, plan.stamp, plan.claim);
  return auditId;
}

const heldBy = (claim: ReportClaim) =>
  claim.assignedBy === null
    ? { change: 'claimed', by: claim.by, at: claim.at }
    : { change: `assigned to ${claim.by}`, by: claim.assignedBy, at: claim.at };

/** Refuses a move the claims do not allow (shared/review.ts whyMayNotMove says which). */
export function assertMayMove(mode: ClaimsMode, state: ReportState, actor: ReportActor): void {
  const why = whyMayNotMove(state, actor, mode);
  if (why !== null) throw new ForbiddenError(why);
}

function assertClaimable(mode: ClaimsMode, state: ReportState): void {
  if (mode === 'off') throw new ReportChangeError('claims are off on this desk: reports are decided without claiming them');
  if (isDecided(state.status)) throw new ReportChangeError(`report ${state.id} is ${state.status}: reopen it to work on it again`);
}

export interface ClaimRequest {
  id: number;
  actor: ReportActor;
  version?: number;
  takeOver?: boolean;
  at?: number;
}

/**
 * Decides a claim on `state` under `mode`: the change to make, or null when the report is already
 * the actor's. One someone else holds is refused with who holds it (a conflict) unless `takeOver`
 * is asked by someone with "assign". `version`, when given, must be current.
 */
export function planClaim(mode: ClaimsMode, state: ReportState, claim: ClaimRequest): ReportChangePlan | null {
  // A stale desk is told what changed (a decision, another's claim) before anything else.
  if (claim.version !== undefined) assertReportVersion(mode, state, claim.version, 'a claim');
  assertClaimable(mode, state);
  const holder = state.claim;
  if (holder?.by === claim.actor.name) return null;
  if (holder !== null) {
    const held = heldBy(holder);
    if (!claim.takeOver)
      throw reportConflict(
        state,
        `report ${state.id} is already ${held.change} by ${held.by}${when(held.at)}: ${claim.actor.mayAssign ? 'take it over' : 'ask them, or a lead, to release it'}`,
        held,
      );
    if (!claim.actor.mayAssign)
      throw new ForbiddenError(`report ${state.id} is ${holder.by}'s: taking over another's claim needs the "assign" permission`);
  }
  const at = claim.at ?? Date.now();
  return {
    action: 'report claimed',
    details: { report: state.id, from: holder?.by ?? null },
    stamp: { what: 'claimed', by: claim.actor.name, at },
    claim: { by: claim.actor.name, at, assignedBy: null },
  };
}

/** The actor claims a report (planClaim says when they may). */
export function claimReport(db: Db, claim: ClaimRequest): ReportState {
  return db.transaction((): ReportState => {
    const state = reportState(db, claim.id);
    const plan = planClaim(claimsMode(db), state, claim);
    if (plan === null) return state;
    applyReportChange(db, state.id, plan);
    return reportState(db, state.id);
  })();
}

export interface ReleaseRequest {
  id: number;
  actor: ReportActor;
  version?: number;
  at?: number;
}

/** Decides a release: its holder may, and anyone with "assign"; null for one nobody holds (left as it is). */
export function planRelease(mode: ClaimsMode, state: ReportState, release: ReleaseRequest): ReportChangePlan | null {
  if (release.version !== undefined) assertReportVersion(mode, state, release.version, 'a release');
  const holder = state.claim?.by ?? null;
  if (holder === null) return null;
  if (holder !== release.actor.name && !release.actor.mayAssign)
    throw new ForbiddenError(
      `report ${state.id} is claimed by ${holder}: only they, or someone with the "assign" permission, may release it`,
    );
  const at = release.at ?? Date.now();
  return {
    action: 'report released',
    details: { report: state.id, holder },
    stamp: { what: 'released', by: release.actor.name, at },
    claim: null,
  };
}

/** Releases a report's claim (planRelease says when they may). */
export function releaseReport(db: Db, release: ReleaseRequest): ReportState {
  return db.transaction((): ReportState => {
    const state = reportState(db, release.id);
    const plan = planRelease(claimsMode(db), state, release);
    if (plan === null) return state;
    applyReportChange(db, state.id, plan);
    return reportState(db, state.id);
  })();
}

/** A name a report can be assigned to: what the audit trail would record for that moderator. */
export function cleanModeratorName(name: unknown): string {
  const clean = typeof name === 'string' ? name.trim() : '';
  if (clean === '' || clean.length > 80 || /[\p{Cc}\p{Cf}]/u.test(clean))
    throw new ReportChangeError('assign a report to a moderator by name: 1 to 80 characters, no control characters');
  return clean;
}

export interface AssignRequest {
  id: number;
  actor: ReportActor;
  to: string;
  version?: number;
  at?: number;
}

/** Decides an assignment to `to` (a name cleanModeratorName cleaned): only someone with "assign"; null when it is theirs already. */
export function planAssign(mode: ClaimsMode, state: ReportState, assign: AssignRequest): ReportChangePlan | null {
  if (assign.version !== undefined) assertReportVersion(mode, state, assign.version, 'an assignment');
  assertClaimable(mode, state);
  if (!assign.actor.mayAssign) throw new ForbiddenError(`assigning report ${state.id} needs the "assign" permission`);
  if (state.claim?.by === assign.to) return null;
  const at = assign.at ?? Date.now();
  return {
    action: 'report assigned',
    details: { report: state.id, to: assign.to, from: state.claim?.by ?? null },
    stamp: { what: `assigned to ${assign.to}`, by: assign.actor.name, at },
    claim: { by: assign.to, at, assignedBy: assign.actor.name },
  };
}

/** Someone with "assign" gives a report to a moderator (taking it from its holder, if any). */
export function assignReport(db: Db, assign: AssignRequest): ReportState {
  const to = cleanModeratorName(assign.to);
  return db.transaction((): ReportState => {
    const state = reportState(db, assign.id);
    const plan = planAssign(claimsMode(db), state, { ...assign, to });
    if (plan === null) return state;
    applyReportChange(db, state.id, plan);
    return reportState(db, state.id);
  })();
}

/** Names a report can be given to: those who have claimed, been assigned or decided reports here (a team server adds its accounts). */
export function knownModerators(db: Db): string[] {
  return db
    .prepare<[], string>(
      `SELECT name FROM (
         SELECT claimed_by AS name FROM abuse_reports WHERE claimed_by IS NOT NULL
         UNION SELECT assigned_by FROM abuse_reports WHERE assigned_by IS NOT NULL
         UNION SELECT moderator FROM report_status_changes)
       ORDER BY name COLLATE NOCASE LIMIT 500`,
    )
    .pluck()
    .all();
}
