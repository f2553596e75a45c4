// The one contract between the UI and main: every call the renderer may make and every event it
// receives. Main implements it once (main/api/service.ts); Electron IPC and browser mode's
// loopback HTTP both carry exactly these calls. Runs anywhere (no Node, no DOM).
import type { Permission } from './access.js';
import type { Conflict } from './conflict.js';
import type { EntryRecord } from './entryRecord.js';
import type {
  AbuseReportSummary,
  AuditRecord,
  AuditVerdict,
  ClaimsMode,
  DeskSession,
  EntryReview,
  ExportManifest,
  Note,
  ReportDetail,
  ReportState,
  ReportStatus,
  ReportViewer,
  ReviewTarget,
  SavedSearch,
  Tag,
  UserRecord,
  Presence,
  ConnectionSnapshot,
  ConnectionSnapshotSummary,
  WatchMatch,
  WatchTerm,
} from './review.js';

/** Which entries: the same filter drives the timeline, search, histogram and export. */
export interface EntryFilter {
  /** One room, by its exact name (the room list's choice); the room of that name in each domain unless `domain` says which. */
  room?: string;
  /**
   * The chat domain (the callback's domainID) of the rooms meant: with `room`, the one room the
   * room list chose (a name can be a room in each domain, and one domain's vendor must not be
   * read as another's); with in:, its rooms in that domain; alone, every room of the domain.
   */
  domain?: string;
  /** The search language's in:ROOM: rooms whose name is this, else starts with it, else holds its words (shared/searchQuery.ts). */
  inRoom?: string;
  user?: string;
  type?: string;
  /** Inclusive bounds, epoch ms. */
  from?: number;
  to?: number;
  /** Full-text search: words, "phrases", prefix*, -excluded. */
  text?: string;
  /** Entries carrying this tag (tag:NAME). */
  tag?: string;
  /** Entries with a note (has:note). */
  hasNote?: boolean;
  /** Entries after their room's "reviewed up to" mark; every entry of a room never reviewed (status:unreviewed). */
  unreviewed?: boolean;
}

/** A position in (timestamp, id) order: pages are keyset-paged from one, never by OFFSET. */
export interface Keyset {
  timestamp: number;
  id: number;
}

export interface RoomSummary {
  /** The room's id in this database (what tags and notes are on). */
  id: number;
  name: string;
  domainId: string;
  entries: number;
  lastActivity: number | null;
  /** The room's "reviewed up to" mark, if it has one. */
  reviewedTo: number | null;
  /** That mark's version (0: never marked): a new mark names it. */
  reviewVersion: number;
  /** Entries after that mark (all of them when the room was never reviewed). */
  unreviewed: number;
  /** Watchlist matches in the room nobody has looked at yet. */
  alerts: number;
  /** The last purge that removed entries of the room: when it ran, and the date it purged before. */
  purged: { at: number; before: number } | null;
  /** User IDs the room's name holds (a 1:1 room is named after both people): what pseudonyms hide in it. */
  nameUsers: string[];
}

export interface RoomSuggestion {
  name: string;
  entries: number;
  /** Whether in: with the text typed so far takes this room. */
  taken: boolean;
}

export interface TimelineRequest {
  filter: EntryFilter;
  /** Entries strictly after this position, oldest first; or, with `direction: 'before'`, strictly before it. */
  from?: Keyset;
  direction?: 'after' | 'before';
  limit: number;
}

export interface TimelinePage {
  entries: EntryRecord[];
  /** True when there are more entries beyond the page in the direction asked. */
  more: boolean;
}

export interface SearchHit extends EntryRecord {
  /** Content with matches between U+E000 and U+E001 (private-use marks the UI turns into highlights). */
  snippet: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Exact up to `countCap`, else `countCap` with `capped`. */
  total: number;
  capped: boolean;
}

export interface ContextResult {
  entries: EntryRecord[];
  focusId: number;
}

export interface UserActivity {
  /** The user's id in this database (what tags and notes are on), null for a user never seen. */
  id: number | null;
  userId: string;
  displayName: string | null;
  firstSeen: number | null;
  lastSeen: number | null;
  entries: number;
  /** Every room they were in, most active first. */
  rooms: Array<{ name: string; domainId: string; entries: number; lastSeen: number }>;
  recent: EntryRecord[];
}

export interface Histogram {
  from: number;
  to: number;
  bucketMs: number;
  counts: number[];
  /**
   * Entries left out because they lie far from the rest (one in 2005 among a million in 2020 would
   * squeeze everything into one bar): how many, and the earliest and latest of them.
   */
  outliers?: { before: number; after: number; earliest: number | null; latest: number | null };
}

export interface ReceiverStatus {
  callbackUrl: string | null;
  /** Why callbacks are not being received (the port is taken, say), with what to do about it. */
  problem: string | null;
  lastDeliveryAt: number | null;
  deliveriesToday: number;
  quarantined: number;
  entries: number;
  /** Watchlist matches nobody has looked at. */
  alerts: number;
  /** Abuse reports open or in review. */
  openReports: number;
}

export interface QuarantinedDelivery {
  id: number;
  receivedAt: number;
  source: 'callback' | 'import';
  function: string | null;
  domainId: string;
  callId: string | null;
  filePath: string | null;
  size: number;
  reason: string | null;
}

/** A file main can read: picked in a dialog, dropped on the window, or an upload spooled to disk. */
export interface LocalFile {
  path: string;
  /** What the moderator calls it (an upload's own name, not the spool's). */
  name: string;
}

export interface ImportFileResult {
  name: string;
  status: 'new' | 'duplicate' | 'failed';
  entries: number;
  newEntries: number;
  error?: string;
}

export type ApiEvent =
  | { type: 'entriesAdded'; count: number; rooms: string[] }
  | { type: 'deliveryReceived'; status: 'stored' | 'duplicate' | 'quarantined'; at: number }
  | { type: 'importProgress'; name: string; bytesRead: number; totalBytes: number; entries: number }
  /** An export under way (`done: false`, every few thousand rows; `total`: how many rows it will have, said before the first) and finished (with its manifest), or stopped with `error`. */
  | { type: 'exportProgress'; rows: number; total?: number; done: boolean; error?: string; manifest?: ExportManifest }
  /** New entries matched the watchlist: how many, which terms, and the alerts now unseen. */
  | { type: 'watchAlert'; found: number; terms: string[]; unseen: number }
  /** A "tag all" (or its undo) under way: how many links of how many are written (removed), and whether it has finished. */
  | { type: 'tagProgress'; batch: number; tag: string; done: number; of: number; finished: boolean; undo: boolean }
  /** Moderators changed what they add to the data (tags, notes, reports, review marks, watchlist, saved searches). */
  | { type: 'reviewChanged' }
  /** The first event of every stream of live events: after a reconnection (a server restart), the desk reads again what it shows. */
  | { type: 'connected' }
  /** A report was claimed, released, assigned or moved: the queue and that report are read again. */
  | { type: 'reportChanged'; id: number; version: number }
  /** A note was added or edited on this entry, user or room. */
  | { type: 'notesChanged'; target: ReviewTarget; targetId: number }
  /** Who has a report open changed (presence): everyone who has it open now. */
  | { type: 'presence'; report: number; viewers: ReportViewer[] };

/** Calls the renderer makes. Each takes one argument object and answers with a value. */
export interface OmvApi {
  rooms(args: { filter?: string }): RoomSummary[];
  timeline(args: TimelineRequest): TimelinePage;
  search(args: { filter: EntryFilter; limit: number }): SearchResult;
  /** The hits older than `before`, newest first: every hit of a search, a page at a time (the first page is search's). */
  searchPage(args: { filter: EntryFilter; before?: Keyset; limit: number }): { hits: SearchHit[]; more: boolean };
  /** Exactly how many entries a filter selects (costly ones run under the time limit: asked apart from the page). */
  countEntries(args: { filter: EntryFilter }): { total: number };
  /** The words of these texts that are user IDs: what pseudonyms hide in a note, an audit row, a room's name. */
  mentionedUsers(args: { texts: string[] }): string[];
  /** The users these pseudonyms stand for (this database's salt): a pseudonym typed into the search box, read back. */
  resolvePseudonyms(args: { names: string[] }): Record<string, string>;
  /** The first and last moment of the entries a filter selects: the ends of the timeline's scrollbar. */
  timeBounds(args: { filter: EntryFilter }): { first: number | null; last: number | null };
  /** Rooms an in:TEXT may mean, to offer while it is typed. */
  roomSuggestions(args: { text: string }): { rooms: RoomSuggestion[]; total: number };
  context(args: { entryId: number; radius: number }): ContextResult;
  /** `domain`: the user of that ID in this chat domain (a user ID is a user in each); without it, the first seen. */
  userActivity(args: { userId: string; domain?: string }): UserActivity;
  /** Who was in an entry's room at its moment (the room's roster and joins, leaves and messages; the connection list of the time). */
  presence(args: { entryId: number }): Presence;
  /** The connection lists the vendor sent (room rosters and the instant messenger's), newest first. */
  connectionSnapshots(args: { before?: number; limit?: number }): { snapshots: ConnectionSnapshotSummary[]; more: boolean };
  /** One connection list whole. */
  connectionSnapshot(args: { kind: 'rooms' | 'connections'; id: number }): ConnectionSnapshot;
  /** Reports against and by a user, the tags and notes on them and on their entries, their watchlist matches. */
  /** `domain`: that domain's user only; without it, the record of the ID in every domain. */
  userRecord(args: { userId: string; domain?: string }): UserRecord;
  histogram(args: { filter: EntryFilter; buckets: number }): Histogram;
  receiverStatus(args: Record<string, never>): ReceiverStatus;
  quarantine(args: Record<string, never>): QuarantinedDelivery[];
  quarantinePayload(args: { id: number }): string;
  retryQuarantined(args: { id?: number }): Array<{ id: number; status: 'stored' | 'quarantined'; reason?: string }>;
  /** Imports files one after another; importProgress events tell how far each is. */
  importFiles(args: { files: LocalFile[] }): ImportFileResult[];
  /** The entries a filter selects, as CSV, to where the transport sends them (a file the moderator
   * picked, a download); exportProgress events tell how far it is. */
  exportCsv(args: { filter: EntryFilter; query?: string; withReview?: boolean; pseudonymous?: boolean }): ExportResult;
  /** Stops this moderator's exports under way, if any (each ends as failed, its file unfinished, recorded so): whether there was one. */
  cancelExport(args: Record<string, never>): boolean;

  // The review workflow (shared/review.ts).
  session(args: Record<string, never>): DeskSession;
  setModerator(args: { name: string }): DeskSession;
  /** Reports, newest first: of one status, or whose description, reason, reporter or accused holds `text`. */
  reports(args: { status?: ReportStatus; text?: string }): AbuseReportSummary[];
  reportCounts(args: Record<string, never>): Record<ReportStatus, number>;
  report(args: { id: number }): ReportDetail;
  /**
   * Moves a report. `version` is the report's as the desk showed it: another is a conflict (409,
   * ConflictError, with who changed it and when). A desk that sends none is taken at its word
   * unless claims are required (then it is a conflict asking for one).
   */
  setReportStatus(args: { id: number; status: ReportStatus; reason?: string; version?: number }): {
    id: number;
    from: ReportStatus;
    to: ReportStatus;
    auditId: number;
    version: number;
  };
  /** The actor claims a report; one someone else holds is a conflict, unless a lead asks to `takeOver`. */
  claimReport(args: { id: number; version?: number; takeOver?: boolean }): ReportState;
  /** Releases a report's claim (its holder, or someone with "assign"). */
  releaseReport(args: { id: number; version?: number }): ReportState;
  /** Gives a report to a moderator by name (someone with "assign"). */
  assignReport(args: { id: number; to: string; version?: number }): ReportState;
  /** Names a report can be assigned to. */
  moderators(args: Record<string, never>): string[];
  /** How reports are claimed on this desk (off, optional, required). */
  setClaimsMode(args: { mode: ClaimsMode }): { mode: ClaimsMode; released: number };
  /**
   * Presence: this desk has report `id` open (`open: false`: it closed it). A desk says so when it
   * opens a report and every ~15 s while it stays open; one silent for 45 s is taken to have left.
   * Answers everyone who has it open.
   */
  reportPresence(args: { id: number; desk: string; open: boolean }): ReportViewer[];
  tags(args: Record<string, never>): Tag[];
  createTag(args: { name: string; colour: string; hold?: boolean }): Tag;
  setTagHold(args: { name: string; hold: boolean }): Tag[];
  /** Puts a tag on (or takes it off) the given targets, or on every entry a filter selects. */
  /** Taking a tag off one target names when it was put on (`linkedAt`, from reviews): see setReportStatus for versions. */
  tag(args: { tag: string; target: ReviewTarget; ids?: number[]; filter?: EntryFilter; remove?: boolean; linkedAt?: number }): {
    changed: number;
    /** A "tag all" (by filter): its batch, what undoTagAll takes; tagProgress events tell how far it is. */
    batch?: number;
  };
  /** Removes exactly the links a "tag all" made (audited as 'untagged'); tagProgress events tell how far it is. */
  undoTagAll(args: { batch: number }): { removed: number };
  /** Tags and note counts of entries, users or rooms (by id). */
  reviews(args: { target: ReviewTarget; ids: number[] }): Record<number, EntryReview>;
  notes(args: { target: ReviewTarget; targetId: number }): Note[];
  addNote(args: { target: ReviewTarget; targetId: number; text: string }): Note;
  /** Replaces a note's text (its author, or someone with "assign"), on the version the desk saw. */
  editNote(args: { id: number; text: string; version: number }): Note;
  /**
   * `version`: the room's review mark as the desk showed it (RoomSummary.reviewVersion). `domain`:
   * the room of that name in this domain (the room list's choice); without it, the name's room in every domain.
   */
  markReviewed(args: { room: string; domain?: string; upTo?: number; version?: number }): { reviewedTo: number; version: number };
  /** Puts the room's last review mark back to the one it replaced (none: never reviewed); audited. */
  undoMarkReviewed(args: { room: string; domain?: string }): { reviewedTo: number | null };
  watchTerms(args: Record<string, never>): WatchTerm[];
  addWatchTerms(args: { text: string }): { added: string[] };
  removeWatchTerm(args: { id: number }): WatchTerm[];
  checkWatchExisting(args: { id?: number }): { found: number };
  watchMatches(args: { markSeen?: boolean }): WatchMatch[];
  watchlistText(args: Record<string, never>): string;
  savedSearches(args: Record<string, never>): SavedSearch[];
  saveSearch(args: { name: string; query: string }): SavedSearch;
  openSavedSearch(args: { id: number }): { query: string };
  deleteSavedSearch(args: { id: number }): SavedSearch[];
  audit(args: { limit?: number }): { rows: AuditRecord[]; verdict: AuditVerdict };
  /** Retention: removes (and forgets) entries older than `before`, except held ones and those of open reports. */
  purge(args: { before: number; dryRun?: boolean }): PurgeSummary;
}

export interface PurgeSummary {
  before: number;
  removed: number;
  held: number;
  reported: number;
  payloadsRewritten: number;
  payloadsDropped: number;
  quarantineDropped: number;
  notes: number;
  redactedAuditRows: number;
  auditId: number | null;
  /** False when readers kept the write-ahead log from being cut: it is at the next checkpoint. */
  walTruncated: boolean;
}

export interface ExportResult {
  rows: number;
  /** Its manifest (recorded in the audit trail; on the desktop also written beside the file). */
  manifest: ExportManifest;
  /** Where it went: the file's path on the desktop, null for a download. */
  destination: string | null;
}

export type ApiMethod = keyof OmvApi;

/** How one call crosses a transport, whether it writes, and the permission it needs. */
export interface CallSpec {
  /** Changes the database (the audit trail included): refused on a read-only connection, audited. */
  writes: boolean;
  permission: Permission;
  /**
   * 'plain': JSON arguments in, a JSON value out (HTTP POST /api/NAME, IPC omv:call). 'file': it
   * carries files, each transport its own way (an upload or a dropped file's path; a download or
   * a save dialog), and each transport must say how (see FileTransports).
   */
  transport: 'plain' | 'file';
}

const read = { writes: false, permission: 'read', transport: 'plain' } as const;
const write = <P extends Permission>(permission: P) => ({ writes: true, permission, transport: 'plain' }) as const;

/**
 * The contract, declared once: every call of OmvApi, whether it writes, the permission it needs
 * and how it crosses a transport. A call missing here, or here and not in OmvApi, does not compile;
 * the service, both transports, the preload and the renderer's client all derive from this.
 */
export const CALLS = {
  rooms: read,
  timeline: read,
  search: read,
  searchPage: read,
  countEntries: read,
  roomSuggestions: read,
  timeBounds: read,
  mentionedUsers: read,
  resolvePseudonyms: read,
  context: read,
  userActivity: read,
  userRecord: read,
  presence: read,
  connectionSnapshots: read,
  connectionSnapshot: read,
  histogram: read,
  receiverStatus: read,
  quarantine: read,
  quarantinePayload: read,
  retryQuarantined: write('import'),
  importFiles: { writes: true, permission: 'import', transport: 'file' },
  exportCsv: { writes: true, permission: 'export', transport: 'file' },
  cancelExport: write('export'),
  session: read,
  setModerator: write('manageUsers'),
  reports: read,
  reportCounts: read,
  report: read,
  // Moving a report someone else holds, or reopening one, needs 'assign' too (store/claims.ts decides, inside the change).
  setReportStatus: write('decide'),
  claimReport: write('decide'),
  releaseReport: write('decide'),
  assignReport: write('assign'),
  moderators: read,
  setClaimsMode: write('manageUsers'),
  // Presence is kept in memory, never in the database: a read for whoever may read reports.
  reportPresence: read,
  tags: read,
  createTag: write('annotate'),
  setTagHold: write('assign'),
  tag: write('annotate'),
  undoTagAll: write('annotate'),
  reviews: read,
  notes: read,
  addNote: write('annotate'),
  editNote: write('annotate'),
  markReviewed: write('annotate'),
  undoMarkReviewed: write('annotate'),
  watchTerms: read,
  addWatchTerms: write('watchlist'),
  removeWatchTerm: write('watchlist'),
  checkWatchExisting: write('watchlist'),
  // Reading the matches is reading; `markSeen` clears the alerts (audited), which anyone who reads them may.
  watchMatches: write('read'),
  watchlistText: read,
  savedSearches: read,
  saveSearch: write('annotate'),
  openSavedSearch: write('read'),
  deleteSavedSearch: write('annotate'),
  audit: read,
  purge: write('purge'),
} as const satisfies { [M in ApiMethod]: CallSpec };

type Calls = typeof CALLS;
/** The calls that carry files. */
export type FileMethod = { [M in ApiMethod]: Calls[M]['transport'] extends 'file' ? M : never }[ApiMethod];
/** Every other call crosses a transport as it is: JSON arguments in, a JSON value out. */
export type PlainMethod = Exclude<ApiMethod, FileMethod>;

export const API_METHODS = Object.keys(CALLS) as ApiMethod[];
export const PLAIN_METHODS = API_METHODS.filter((method): method is PlainMethod => CALLS[method].transport === 'plain');
export const FILE_METHODS = API_METHODS.filter((method): method is FileMethod => CALLS[method].transport === 'file');

/**
 * What each transport must provide for the calls that carry files: one entry per file call, so a
 * new one without its way across a transport does not compile.
 */
export type FileTransports<Handler> = { [M in FileMethod]: Handler };

/**
 * What the Electron preload exposes as window.omv (main/electron/preload.cts): every plain call
 * through one channel, the live events, and each call that carries files its own way.
 */
export interface DesktopBridge extends FileTransports<(...args: never[]) => Promise<ApiResult<unknown>>> {
  call(method: PlainMethod, args: unknown): Promise<ApiResult<unknown>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** Dropped files (the page's File objects), or none: main asks the moderator with a dialog. */
  importFiles(files?: readonly unknown[]): Promise<ApiResult<ImportFileResult[]>>;
  exportCsv(args: ApiArgs<'exportCsv'>): Promise<ApiResult<ExportResult | null>>;
}

/** What crosses a transport: errors as values, turned back into exceptions in one place; a conflict with its fields. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: string; conflict?: Conflict };

export type ApiArgs<M extends ApiMethod> = Parameters<OmvApi[M]>[0];
export type ApiValue<M extends ApiMethod> = Awaited<ReturnType<OmvApi[M]>>;

/**
 * The async client the renderer sees for the plain calls: one function per call. `signal` says
 * the answer is no longer wanted (a transport that can stop the call does).
 */
export type OmvClient = { [M in PlainMethod]: (args: ApiArgs<M>, signal?: AbortSignal) => Promise<ApiValue<M>> };

export function isPlainMethod(name: string): name is PlainMethod {
  return Object.hasOwn(CALLS, name) && CALLS[name as ApiMethod].transport === 'plain';
}

export const SNIPPET_MARKS: [string, string] = ['\uE000', '\uE001'];
