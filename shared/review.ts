// The review workflow's shared words: where an abuse report stands, and where it may go next.
import type { Permission, Role } from './access.js';
import type { EntryRecord } from './entryRecord.js';

export const REPORT_STATUSES = ['open', 'in review', 'actioned', 'dismissed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** Where a report may go from each status: decided ones are reopened, never silently redecided. */
export const NEXT_STATUSES: Readonly<Record<ReportStatus, readonly ReportStatus[]>> = {
  open: ['in review', 'actioned', 'dismissed'],
  'in review': ['open', 'actioned', 'dismissed'],
  actioned: ['open'],
  dismissed: ['open'],
};

/** Changes that must say why: a decision, and undoing one. */
export function needsReason(from: ReportStatus, to: ReportStatus): boolean {
  return to === 'actioned' || to === 'dismissed' || from === 'actioned' || from === 'dismissed';
}

export function isReportStatus(text: string): text is ReportStatus {
  return (REPORT_STATUSES as readonly string[]).includes(text);
}

export interface AbuseReportSummary {
  id: number;
  status: ReportStatus;
  receivedAt: number;
  domainId: string;
  reporter: string | null;
  accused: string | null;
  reason: string | null;
  description: string | null;
  /** The room of the reported messages (the first, if several). */
  room: string | null;
  /** How many reported messages it quotes. */
  entries: number;
  /** Counts every change to it (its status, its claim): a decision names the version it was made on. */
  version: number;
  /** Who is working on it, if anyone (claims: shared/review.ts ClaimsMode). */
  claim: ReportClaim | null;
  /** The newest change to it: what, by whom, when (null for a report nobody has touched). */
  lastChange: ReportChangeStamp | null;
}

/**
 * How a team shares the queue: 'off' (no claims), 'optional' (claim to say you are on it; anyone
 * may decide an unclaimed report), 'required' (deciding needs the claim, or the 'assign'
 * permission). Under every mode, a report someone else holds is decided only with 'assign'.
 */
export const CLAIMS_MODES = ['off', 'optional', 'required'] as const;
export type ClaimsMode = (typeof CLAIMS_MODES)[number];
export const DEFAULT_CLAIMS_MODE: ClaimsMode = 'optional';

export function isClaimsMode(text: unknown): text is ClaimsMode {
  return typeof text === 'string' && (CLAIMS_MODES as readonly string[]).includes(text);
}

/** Where a report stands, who holds it and its version: what claim calls answer. */
export interface ReportState {
  id: number;
  status: ReportStatus;
  version: number;
  claim: ReportClaim | null;
  lastChange: ReportChangeStamp | null;
}

/**
 * Why `actor` may not move a report (decide it, start its review, reopen it) under `mode`, or
 * null when they may: reopening a decided one needs "assign"; so does moving one someone else
 * holds (under every mode); under 'required', moving one needs its claim (or "assign"). The store
 * refuses by it (inside the change's transaction), and the desk explains with it.
 */
export function whyMayNotMove(
  report: { id: number; status: ReportStatus; claim: ReportClaim | null },
  actor: { name: string | null; mayAssign: boolean },
  mode: ClaimsMode,
): string | null {
  if (actor.mayAssign) return null;
  if (report.status === 'actioned' || report.status === 'dismissed')
    return `reopening report ${report.id} needs the "assign" permission (a lead's)`;
  const holder = report.claim?.by ?? null;
  if (holder !== null && holder !== actor.name)
    return `report ${report.id} is claimed by ${holder}: only they, or someone with the "assign" permission, may move it`;
  if (holder === null && mode === 'required') return `claims are required here: claim report ${report.id} before you move it`;
  return null;
}

/** A report's holder: who claimed it (or was assigned it, and by whom), and since when. */
export interface ReportClaim {
  by: string;
  at: number;
  assignedBy: string | null;
}

export interface ReportChangeStamp {
  /** "claimed", "released", "assigned to lee", "in review", "dismissed", "reopened". */
  what: string;
  by: string;
  at: number;
}

/** A moderator with a report open right now (presence), on one desk or more. */
export interface ReportViewer {
  name: string;
  /** When they opened it. */
  since: number;
}

export interface AuditRecord {
  id: number;
  at: number;
  moderator: string;
  action: AuditAction;
  details: Record<string, unknown>;
}

/** What a tag or a note is on. */
export type ReviewTarget = 'entry' | 'user' | 'room';
export const REVIEW_TARGETS: readonly ReviewTarget[] = ['entry', 'user', 'room'];

/**
 * A user or room a tag or note went on, by what people know it as (the vendor's user ID, the room's
 * name) and its chat domain: kept in the audit trail beside the ids, which say nothing to a reader.
 */
export interface NamedTarget {
  name: string;
  domain: string;
}

export interface Tag {
  id: number;
  name: string;
  /** #rrggbb */
  colour: string;
  /** A hold: what carries it survives retention purges. */
  hold: boolean;
  /** One of the default group. */
  builtin: boolean;
  /** Entries, users and rooms carrying it. */
  uses: number;
}

export interface Note {
  id: number;
  target: ReviewTarget;
  targetId: number;
  text: string;
  moderator: string;
  at: number;
  /** Counts its edits: an edit names the version it was made on. */
  version: number;
  /** The newest edit, if any. */
  editedBy: string | null;
  editedAt: number | null;
}

/** What the moderator added to an entry (shown on its row). */
export interface EntryReview {
  tags: string[];
  notes: number;
  /** When each tag was put on: the link's version, which taking it off names. */
  linkedAt: Record<string, number>;
}

export interface WatchTerm {
  id: number;
  term: string;
  addedAt: number;
  matches: number;
}

export interface SavedSearch {
  id: number;
  name: string;
  query: string;
  createdAt: number;
  openedAt: number;
  /** Matches that arrived since it was last opened (at most 1,000 counted). */
  newMatches: number;
}

export interface ReportDetail extends AbuseReportSummary {
  ipAddress: string | null;
  recordingName: string | null;
  recordingUrl: string | null;
  /** The reported messages, oldest first. */
  messages: EntryRecord[];
  history: Array<{ at: number; moderator: string; from: ReportStatus; to: ReportStatus; reason: string | null }>;
}

export interface WatchMatch {
  term: string;
  seen: boolean;
  entry: EntryRecord;
}

/**
 * What the chain says: intact (with how many rows a purge redacted: their facts are kept, their
 * text is not), or the first row that does not verify and why.
 */
export type AuditVerdict = { intact: true; rows: number; redacted?: number } | { intact: false; rows: number; badRow: number; why: string };

/** A row of the trail named by its number and chain hash, kept elsewhere to prove the trail still holds it. */
export interface AuditAnchor {
  row: number;
  hash: string;
}

/** Every action the audit trail records: a closed list (the audit view names each). */
export const AUDIT_ACTIONS = [
  'import',
  'export started',
  'export',
  'export failed',
  'backup',
  'quarantine retry',
  'moderator named',
  'report status',
  'tag created',
  'hold set',
  'hold lifted',
  'tagged',
  'untagged',
  'note',
  'note edited',
  'reviewed',
  'review undone',
  'watchlist added',
  'watchlist removed',
  'watchlist checked',
  'alerts cleared',
  'search saved',
  'search opened',
  'search deleted',
  'purge',
  // The data moved to another store (omv migrate-store): said in both, the file's trail and the new store's.
  'store migrated',
  // omv check --repair: the full-text index (SQLite) or columns (PostgreSQL) made again from the entries' content.
  'full-text repaired',
  // A team server's accounts (main/team/): who may sign in, and every sign-in.
  'account added',
  'account disabled',
  'account enabled',
  'account reset',
  'role changed',
  'enrolled',
  'signed in',
  'sign-in failed',
  'signed out',
  'report claimed',
  'report released',
  'report assigned',
  'claims mode set',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who is at the desk and how it shows: set on first start, kept in the database. */
export interface DeskSession {
  /** Null until the moderator said who they are (one machine); a team server's account always has one. */
  moderator: string | null;
  /** What this desk's actor may do (the desk hides or disables the rest). */
  role: Role;
  permissions: readonly Permission[];
  /** A team server (accounts, sign-in), or this machine alone. */
  team: boolean;
  /** How reports are claimed here. */
  claims: ClaimsMode;
  /** The operating system's user name: what the first start proposes. */
  suggestedModerator: string;
  /** Makes pseudonyms stable for this database. */
  pseudonymSalt: string;
}

export interface ExportManifest {
  file: string;
  format: 'csv' | 'jsonl';
  query: string | null;
  filter: object;
  withReview: boolean;
  /** Whether the file names users by their real IDs, or by pseudonyms (user IDs, display names, the IDs in room names). */
  ids: 'real' | 'pseudonymous';
  rows: number;
  firstEntryTime: string | null;
  lastEntryTime: string | null;
  sha256: string;
  omvVersion: string;
  moderator: string;
  exportedAt: string;
  /** The audit row that recorded it, and that row's chain hash: an anchor (omv audit verify --manifest FILE). */
  auditRow: number;
  auditHash: string;
}

/** What the desk knows of a user besides their entries: what trust and safety teams look up first. */
export interface UserRecord {
  /** Reports that accuse them, and that they made, newest first, each with where it stands. */
  reportsAgainst: AbuseReportSummary[];
  reportsBy: AbuseReportSummary[];
  /** Tags and notes on the user. */
  tags: string[];
  notes: Note[];
  /** Tags on their entries, with how many of their entries carry each; how many of their entries have notes. */
  entryTags: Array<{ tag: string; entries: number }>;
  notedEntries: number;
  /** Their entries the watchlist matched (how many), and the newest of them. */
  watchMatches: number;
  recentMatches: WatchMatch[];
}

/** Someone in a room at a moment, and what says so: the room's roster, their join, or a message of theirs. */
export interface PresentPerson {
  userId: string;
  displayName: string | null;
  how: 'roster' | 'joined' | 'spoke';
  /** When that was (the roster's time, the join's, the message's). */
  since: number;
}

/** A connection of the instant messenger's connection list: from a member (m) or a session (s), to a member. */
export interface Connection {
  fromKind: 'm' | 's';
  from: string;
  to: string;
}

/** Who was there at an entry: the people in its room at that moment, and the connection list of the time. */
export interface Presence {
  entryId: number;
  room: string;
  at: number;
  people: PresentPerson[];
  /** The room's last roster at or before the moment (null: none, so its history from the start was read). */
  roster: { snapshotId: number; takenAt: number; listed: number } | null;
  /** Joins, leaves and messages read after the roster (or from the room's start) up to the moment. */
  eventsRead: number;
  /** The instant messenger's last connection list at or before the moment: the connections of the people found. */
  connections: { snapshotId: number; takenAt: number; server: string | null; list: Connection[]; more: boolean } | null;
}

export type ConnectionSnapshotSummary =
  | { kind: 'rooms'; id: number; domainId: string; takenAt: number; rooms: number; users: number }
  | { kind: 'connections'; id: number; domainId: string; takenAt: number; server: string | null; connections: number };

export type ConnectionSnapshot =
  | { kind: 'rooms'; id: number; domainId: string; takenAt: number; rooms: Array<{ name: string; userCount: number; users: string[] }> }
  | { kind: 'connections'; id: number; domainId: string; takenAt: number; server: string | null; connections: Connection[] };
