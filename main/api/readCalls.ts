// The API's read-only calls over one connection. They only read, so any of them can be stopped at
// any moment (queryPool.ts runs them on worker threads under a time limit). Arguments come from
// the UI and are untrusted: each call cleans what it takes.
import type { EntryFilter, Keyset, OmvApi, QuarantinedDelivery } from '../../shared/api.js';
import { ftsParts } from '../../shared/ftsQuery.js';
import { SNIPPET_MARKS } from '../../shared/api.js';
import type { Db } from '../store/db.js';
import { getDelivery, listQuarantined, type DeliveryRow, type QuarantineRow } from '../store/deliveries.js';
import { entryHistogram } from '../store/entryHistogram.js';
import { entryById, entryPage, matchingIds } from '../store/entryQuery.js';
import { searchEntries } from '../store/entrySearch.js';
import { roomSuggestions } from '../store/roomMatch.js';
import { timeBounds } from '../store/timeBounds.js';
import { userIdsIn, usersForPseudonyms } from '../store/userMentions.js';
import { getSetting } from '../store/settings.js';
import { PSEUDONYM } from '../../shared/pseudonym.js';
import { countEntries, searchPage } from '../store/searchPages.js';
import { listAudit, verifyAudit } from '../store/audit.js';
import { knownModerators } from '../store/claims.js';
import { notesOf } from '../store/notes.js';
import { listReports, reportCounts, reportDetail } from '../store/reports.js';
import { userRecord } from '../store/userRecord.js';
import { presenceAt } from '../store/presence.js';
import { connectionSnapshot, listConnectionSnapshots } from '../store/connectionSnapshots.js';
import { listSavedSearches } from '../store/savedSearches.js';
import { listTags, reviewsOf } from '../store/tags.js';
import { findWatchHits, listWatchTerms, watchlistText, type TermToMatch, type WatchHit } from '../store/watchlist.js';
import { isReportStatus, REVIEW_TARGETS, type ReportStatus, type ReviewTarget } from '../../shared/review.js';
import { listRooms, receiverCounters, userActivity, type ReceiverCounters } from '../store/overview.js';
import { UserFacingError } from '../../shared/userFacingError.js';

const MAX_PAGE = 1000;

export function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.trunc(Number(limit) || 50)));
}

/** A chart's bars: 1 to 500, 100 when the UI sends nothing usable. */
export function histogramBuckets(buckets: number): number {
  return Math.max(1, Math.min(500, Math.trunc(buckets) || 100));
}

/** Entry ids from the UI: whole positive numbers only, at most a page's worth. */
export function cleanIds(ids: unknown): number[] {
  return (Array.isArray(ids) ? ids : []).filter((id): id is number => Number.isSafeInteger(id) && id > 0).slice(0, 5000);
}

export function cleanTarget(target: unknown): ReviewTarget {
  if (typeof target === 'string' && (REVIEW_TARGETS as readonly string[]).includes(target)) return target as ReviewTarget;
  throw new UserFacingError(`a tag or note is on an entry, a user or a room, not "${String(target)}"`);
}

/** Drops keys and values a filter does not take: what the UI sends is untrusted input. */
export function cleanFilter(filter: EntryFilter | undefined): EntryFilter {
  const clean: EntryFilter = {};
  if (!filter) return clean;
  for (const key of ['room', 'inRoom', 'user', 'type', 'text'] as const)
    if (typeof filter[key] === 'string' && filter[key] !== '') clean[key] = filter[key];
  const domain = cleanDomain(filter.domain);
  if (domain !== undefined) clean.domain = domain;
  for (const key of ['from', 'to'] as const) if (Number.isFinite(filter[key])) clean[key] = filter[key];
  if (typeof filter.tag === 'string' && filter.tag !== '') clean.tag = filter.tag;
  if (filter.hasNote === true) clean.hasNote = true;
  if (filter.unreviewed === true) clean.unreviewed = true;
  return clean;
}

/** A chat domain from the UI: text ('' is the domain of files imported without one), or none. */
export const cleanDomain = (domain: unknown): string | undefined => (typeof domain === 'string' ? domain : undefined);

/** A keyset position from the UI: two whole numbers, or none. */
export function cleanKeyset(position: Keyset | undefined): Keyset | undefined {
  if (!position || !Number.isSafeInteger(position.timestamp) || !Number.isSafeInteger(position.id)) return undefined;
  return { timestamp: position.timestamp, id: position.id };
}

/** Texts to find user IDs in: strings only, at most 5,000 of them. */
export function cleanTexts(texts: unknown): string[] {
  return Array.isArray(texts) ? texts.filter((t): t is string => typeof t === 'string').slice(0, 5000) : [];
}

/** Pseudonyms to read back: strings that look like one, at most 100 of them. */
export function cleanPseudonyms(names: unknown): string[] {
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string' && PSEUDONYM.test(n)).slice(0, 100) : [];
}

/** A text argument the UI may send as anything: a string, or nothing (''). */
export const textOr = (text: unknown): string => (typeof text === 'string' ? text : '');

/** The report queue's options from the UI: a status it knows, a text that is text. */
export function reportListOptions({ status, text }: { status?: unknown; text?: unknown }): { status?: ReportStatus; text?: string } {
  return {
    ...(typeof status === 'string' && isReportStatus(status) ? { status } : {}),
    ...(typeof text === 'string' ? { text } : {}),
  };
}

/** A page of connection lists from the UI: a finite instant to go back from, how many (100 when nothing usable). */
export function snapshotListOptions({ before, limit }: { before?: unknown; limit?: unknown }): { before?: number; limit: number } {
  return { ...(typeof before === 'number' && Number.isFinite(before) ? { before } : {}), limit: Number(limit) || 100 };
}

/** A snapshot's kind from the UI: a connection list when it says so, else a room roster. */
export const snapshotKind = (kind: unknown): 'rooms' | 'connections' => (kind === 'connections' ? 'connections' : 'rooms');

/** How many of the audit trail's newest rows: 1 to 10,000, 500 when the UI sends nothing usable. */
export const auditLimit = (limit: unknown): number => Math.max(1, Math.min(10_000, Math.trunc(Number(limit)) || 500));

/** A quarantined delivery as the desk lists it. */
export function quarantinedDelivery(row: QuarantineRow): QuarantinedDelivery {
  return {
    id: row.id,
    receivedAt: row.received_at,
    source: row.source,
    function: row.function,
    domainId: row.domain_id,
    callId: row.call_id,
    filePath: row.file_path,
    size: row.payload_size,
    reason: row.error,
  };
}

/** A quarantined delivery's payload as text (or where its file is); `id` is what the UI asked for. Anything else is refused. */
export function quarantinedPayload(id: unknown, row: DeliveryRow | undefined): string {
  if (!row || row.status !== 'quarantined') throw new UserFacingError(`delivery ${String(id)} is not in quarantine`);
  return row.payload ? new TextDecoder('utf-8').decode(row.payload) : `(the payload is the file ${row.file_path})`;
}

type ApiCall<M extends keyof OmvApi> = (args: Parameters<OmvApi[M]>[0]) => ReturnType<OmvApi[M]>;

export interface ReadCalls {
  rooms: ApiCall<'rooms'>;
  timeline: ApiCall<'timeline'>;
  search: ApiCall<'search'>;
  searchPage: ApiCall<'searchPage'>;
  countEntries: ApiCall<'countEntries'>;
  roomSuggestions: ApiCall<'roomSuggestions'>;
  timeBounds: ApiCall<'timeBounds'>;
  mentionedUsers: ApiCall<'mentionedUsers'>;
  resolvePseudonyms: ApiCall<'resolvePseudonyms'>;
  context: ApiCall<'context'>;
  userActivity: ApiCall<'userActivity'>;
  userRecord: ApiCall<'userRecord'>;
  presence: ApiCall<'presence'>;
  connectionSnapshots: ApiCall<'connectionSnapshots'>;
  connectionSnapshot: ApiCall<'connectionSnapshot'>;
  histogram: ApiCall<'histogram'>;
  quarantine: ApiCall<'quarantine'>;
  quarantinePayload: ApiCall<'quarantinePayload'>;
  reports: ApiCall<'reports'>;
  reportCounts: ApiCall<'reportCounts'>;
  report: ApiCall<'report'>;
  moderators: ApiCall<'moderators'>;
  tags: ApiCall<'tags'>;
  reviews: ApiCall<'reviews'>;
  notes: ApiCall<'notes'>;
  watchTerms: ApiCall<'watchTerms'>;
  watchlistText: ApiCall<'watchlistText'>;
  savedSearches: ApiCall<'savedSearches'>;
  audit: ApiCall<'audit'>;
  /** The database's half of receiverStatus (main adds the callback URL). */
  receiverCounters(args: { since: number }): ReceiverCounters;
  /** Searches a write acts on, run here rather than on the writer: the ids a filter selects ("tag all"). */
  matchingIds(args: { filter: EntryFilter }): number[];
  /** The watchlist terms' matches among the entries in (after, upTo] (see store/watchlist.ts). */
  watchHits(args: { terms: TermToMatch[]; after: number; upTo: number; everything: boolean }): WatchHit[];
}
export type ReadMethod = keyof ReadCalls;
export type ReadArgs<M extends ReadMethod> = Parameters<ReadCalls[M]>[0];
export type ReadValue<M extends ReadMethod> = ReturnType<ReadCalls[M]>;

export function createReadCalls(db: Db): ReadCalls {
  return {
    rooms({ filter }) {
      return listRooms(db, textOr(filter));
    },

    timeline({ filter, from, direction, limit }) {
      return entryPage(db, cleanFilter(filter), clampLimit(limit), cleanKeyset(from), direction === 'before' ? 'before' : 'after');
    },

    search({ filter, limit }) {
      const clean = cleanFilter(filter);
      // Text that only excludes (-spam) is no full-text search: its first page is searchPage's.
      if (clean.text !== undefined && ftsParts(clean.text)?.match == null) {
        const { hits, more } = searchPage(db, clean, clampLimit(limit), undefined, SNIPPET_MARKS);
        return { hits, total: hits.length, capped: more };
      }
      return searchEntries(db, clean, clampLimit(limit), SNIPPET_MARKS);
    },

    searchPage({ filter, before, limit }) {
      return searchPage(db, cleanFilter(filter), clampLimit(limit), cleanKeyset(before), SNIPPET_MARKS);
    },

    countEntries({ filter }) {
      return { total: countEntries(db, cleanFilter(filter)) };
    },

    mentionedUsers({ texts }) {
      return userIdsIn(db, cleanTexts(texts));
    },

    resolvePseudonyms({ names }) {
      return usersForPseudonyms(db, cleanPseudonyms(names), getSetting(db, 'pseudonym_salt') ?? '');
    },

    timeBounds({ filter }) {
      return timeBounds(db, cleanFilter(filter));
    },

    roomSuggestions({ text }) {
      return roomSuggestions(db, textOr(text));
    },

    context({ entryId, radius }) {
      const focus = entryById(db, entryId);
      if (!focus) throw new UserFacingError(`no entry ${entryId}`);
      const at = { timestamp: focus.timestamp, id: focus.id };
      const n = clampLimit(radius);
      const before = entryPage(db, { room: focus.room, domain: focus.domainId }, n, at, 'before').entries;
      const after = entryPage(db, { room: focus.room, domain: focus.domainId }, n, at, 'after').entries;
      return { entries: [...before, focus, ...after], focusId: focus.id };
    },

    userActivity({ userId, domain }) {
      return userActivity(db, String(userId), undefined, cleanDomain(domain));
    },

    userRecord({ userId, domain }) {
      return userRecord(db, String(userId), cleanDomain(domain));
    },

    presence({ entryId }) {
      return presenceAt(db, Number(entryId));
    },

    connectionSnapshots({ before, limit }) {
      return listConnectionSnapshots(db, snapshotListOptions({ before, limit }));
    },

    connectionSnapshot({ kind, id }) {
      return connectionSnapshot(db, snapshotKind(kind), Number(id));
    },

    histogram({ filter, buckets }) {
      return entryHistogram(db, cleanFilter(filter), histogramBuckets(buckets));
    },

    quarantine() {
      return listQuarantined(db).map(quarantinedDelivery);
    },

    quarantinePayload({ id }) {
      return quarantinedPayload(id, getDelivery(db, Number(id)));
    },

    reports({ status, text }) {
      return listReports(db, reportListOptions({ status, text }));
    },

    reportCounts() {
      return reportCounts(db);
    },

    report({ id }) {
      return reportDetail(db, Number(id));
    },

    moderators() {
      return knownModerators(db);
    },

    tags() {
      return listTags(db);
    },

    reviews({ target, ids }) {
      return reviewsOf(db, cleanTarget(target), cleanIds(ids));
    },

    notes({ target, targetId }) {
      return notesOf(db, cleanTarget(target), Number(targetId));
    },

    watchTerms() {
      return listWatchTerms(db);
    },

    watchlistText() {
      return watchlistText(db);
    },

    savedSearches() {
      return listSavedSearches(db);
    },

    audit({ limit }) {
      return { rows: listAudit(db, { limit: auditLimit(limit) }), verdict: verifyAudit(db) };
    },

    receiverCounters({ since }) {
      return receiverCounters(db, Number(since) || 0);
    },

    matchingIds({ filter }) {
      return matchingIds(db, cleanFilter(filter));
    },

    watchHits({ terms, after, upTo, everything }) {
      return findWatchHits(db, terms, Number(after), Number(upTo), everything === true);
    },
  };
}

/** Something that answers read calls: the calls themselves, or a pool of workers running them. */
export type ReadRunner = <M extends ReadMethod>(method: M, args: ReadArgs<M>) => Promise<ReadValue<M>>;

/** Runs read calls on this thread (no time limit): for tools and in-memory databases. */
export function readsOnThisThread(db: Db): ReadRunner {
  const calls = createReadCalls(db);
  return async (method, args) => (calls[method] as (a: typeof args) => ReadValue<typeof method>)(args);
}
