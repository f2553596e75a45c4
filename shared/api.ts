// The one contract between the UI and main: every call the renderer may make and every event it
// receives. Main implements it once (main/api/service.ts); Electron IPC and browser mode's
// loopback HTTP both carry exactly these calls. Runs anywhere (no Node, no DOM).
import type { EntryRecord } from './entryRecord.js';
import type {
  AbuseReportSummary,
  AuditRecord,
  AuditVerdict,
  DeskSession,
  EntryReview,
  ExportManifest,
  Note,
  ReportDetail,
  ReportStatus,
  ReviewTarget,
  SavedSearch,
  Tag,
  WatchMatch,
  WatchTerm,
} from './review.js';

/** Which entries: the same filter drives the timeline, search, histogram and export. */
export interface EntryFilter {
  room?: string;
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
  /** Entries after that mark (all of them when the room was never reviewed). */
  unreviewed: number;
  /** Watchlist matches in the room nobody has looked at yet. */
  alerts: number;
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
  rooms: Array<{ name: string; entries: number; lastSeen: number }>;
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
  /** Moderators changed what they add to the data (tags, notes, reports, review marks, watchlist, saved searches). */
  | { type: 'reviewChanged' };

/** Calls the renderer makes. Each takes one argument object and answers with a value. */
export interface OmvApi {
  rooms(args: { filter?: string }): RoomSummary[];
  timeline(args: TimelineRequest): TimelinePage;
  search(args: { filter: EntryFilter; limit: number }): SearchResult;
  context(args: { entryId: number; radius: number }): ContextResult;
  userActivity(args: { userId: string }): UserActivity;
  histogram(args: { filter: EntryFilter; buckets: number }): Histogram;
  receiverStatus(args: Record<string, never>): ReceiverStatus;
  quarantine(args: Record<string, never>): QuarantinedDelivery[];
  quarantinePayload(args: { id: number }): string;
  retryQuarantined(args: { id?: number }): Array<{ id: number; status: 'stored' | 'quarantined'; reason?: string }>;
  /** Imports files one after another; importProgress events tell how far each is. */
  importFiles(args: { files: LocalFile[] }): ImportFileResult[];
  /** The entries a filter selects, as CSV, to where the transport sends them (a file the moderator
   * picked, a download); exportProgress events tell how far it is. */
  exportCsv(args: { filter: EntryFilter; query?: string; withReview?: boolean }): ExportResult;
  /** Stops the export under way, if any (it ends as failed, its file unfinished, recorded so): whether there was one. */
  cancelExport(args: Record<string, never>): boolean;

  // The review workflow (shared/review.ts).
  session(args: Record<string, never>): DeskSession;
  setModerator(args: { name: string }): DeskSession;
  reports(args: { status?: ReportStatus }): AbuseReportSummary[];
  reportCounts(args: Record<string, never>): Record<ReportStatus, number>;
  report(args: { id: number }): ReportDetail;
  setReportStatus(args: { id: number; status: ReportStatus; reason?: string }): {
    id: number;
    from: ReportStatus;
    to: ReportStatus;
    auditId: number;
  };
  tags(args: Record<string, never>): Tag[];
  createTag(args: { name: string; colour: string; hold?: boolean }): Tag;
  setTagHold(args: { name: string; hold: boolean }): Tag[];
  /** Puts a tag on (or takes it off) the given targets, or on every entry a filter selects. */
  tag(args: { tag: string; target: ReviewTarget; ids?: number[]; filter?: EntryFilter; remove?: boolean }): { changed: number };
  /** Tags and note counts of entries, users or rooms (by id). */
  reviews(args: { target: ReviewTarget; ids: number[] }): Record<number, EntryReview>;
  notes(args: { target: ReviewTarget; targetId: number }): Note[];
  addNote(args: { target: ReviewTarget; targetId: number; text: string }): Note;
  markReviewed(args: { room: string; upTo?: number }): { reviewedTo: number };
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
}

export interface ExportResult {
  rows: number;
  /** Its manifest (recorded in the audit trail; on the desktop also written beside the file). */
  manifest: ExportManifest;
  /** Where it went: the file's path on the desktop, null for a download. */
  destination: string | null;
}

export type ApiMethod = keyof OmvApi;

/** The calls that carry files: each transport brings its own way of carrying them (a dialog or a
 * dropped file and a save dialog on the desktop, an upload and a download in the browser). */
export const FILE_METHODS = ['importFiles', 'exportCsv'] as const satisfies readonly ApiMethod[];
export type FileMethod = (typeof FILE_METHODS)[number];
/** Every other call crosses a transport as it is: JSON arguments in, a JSON value out. */
export type PlainMethod = Exclude<ApiMethod, FileMethod>;

export const PLAIN_METHODS: readonly PlainMethod[] = [
  'rooms',
  'timeline',
  'search',
  'context',
  'userActivity',
  'histogram',
  'receiverStatus',
  'quarantine',
  'quarantinePayload',
  'retryQuarantined',
  'session',
  'setModerator',
  'reports',
  'reportCounts',
  'report',
  'setReportStatus',
  'tags',
  'createTag',
  'setTagHold',
  'tag',
  'reviews',
  'notes',
  'addNote',
  'markReviewed',
  'watchTerms',
  'addWatchTerms',
  'removeWatchTerm',
  'checkWatchExisting',
  'watchMatches',
  'watchlistText',
  'savedSearches',
  'saveSearch',
  'openSavedSearch',
  'deleteSavedSearch',
  'audit',
  'cancelExport',
];

/** What crosses a transport: errors as values, turned back into exceptions in one place. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: string };

export type ApiArgs<M extends ApiMethod> = Parameters<OmvApi[M]>[0];
export type ApiValue<M extends ApiMethod> = Awaited<ReturnType<OmvApi[M]>>;

/**
 * The async client the renderer sees for the plain calls: one function per call. `signal` says
 * the answer is no longer wanted (a transport that can stop the call does).
 */
export type OmvClient = { [M in PlainMethod]: (args: ApiArgs<M>, signal?: AbortSignal) => Promise<ApiValue<M>> };

export function isPlainMethod(name: string): name is PlainMethod {
  return (PLAIN_METHODS as readonly string[]).includes(name);
}

export const SNIPPET_MARKS: [string, string] = ['\uE000', '\uE001'];
