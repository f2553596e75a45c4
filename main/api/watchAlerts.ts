// Watchlist alerts: whenever entries arrive (a callback, an import) the new ones are matched
// against the watchlist, and the UI hears of any match: a badge, a count, a notification. The
// matching is a search, so it runs where searches run (a query host), in parts of the watchlist
// under the time limit; the writer only records what was found, by id, in one short transaction.
// The same rounds run over either engine's store (WatchRecords): SQLite's file or PostgreSQL's.
import { errorMessage } from '../../shared/errorMessage.js';
import type { Db } from '../store/db.js';
import { sqliteWatchRecords, type TermToMatch, type WatchHit, type WatchRecords } from '../store/watchlist.js';
import type { EventHub } from './events.js';
import type { ReadRunner } from './readCalls.js';

/** Terms per search call: each call stays well inside the time limit, whatever the watchlist's size. */
const TERMS_PER_CALL = 500;

/** Every hit of `terms` among the entries in (after, upTo], searched in parts. */
async function findHits(
  reads: ReadRunner,
  terms: readonly TermToMatch[],
  after: number,
  upTo: number,
  everything: boolean,
): Promise<WatchHit[]> {
  const hits: WatchHit[] = [];
  for (let start = 0; start < terms.length; start += TERMS_PER_CALL)
    hits.push(...(await reads('watchHits', { terms: terms.slice(start, start + TERMS_PER_CALL), after, upTo, everything })));
  return hits;
}

interface RoundOutcome {
  found: number;
  terms: string[];
  /** More entries wait than the round took. */
  more: boolean;
}

/** One round of forward matching: the entries stored since the last round, against every term. */
export async function matchNewEntries(db: Db, reads: ReadRunner): Promise<RoundOutcome> {
  return matchNewEntriesIn(sqliteWatchRecords(db), reads);
}

/** matchNewEntries over either engine's store. */
export async function matchNewEntriesIn(store: WatchRecords, reads: ReadRunner): Promise<RoundOutcome> {
  const round = await store.unmatched();
  if (round.ranges.length === 0) return { found: 0, terms: [], more: false };
  const terms = await store.termsToMatch();
  const hits: WatchHit[] = [];
  if (terms.length > 0) for (const { after, upTo } of round.ranges) hits.push(...(await findHits(reads, terms, after, upTo, false)));
  const { found, terms: matched, stale } = await store.recordWatchHits(hits, round);
  return { found, terms: matched, more: round.more || stale === true };
}

export function watchNewEntries(db: Db, reads: ReadRunner, events: EventHub, log?: (line: string) => void): () => void {
  const stop = watchNewEntriesIn(sqliteWatchRecords(db), reads, events, log);
  return () => void stop();
}

/**
 * Matches new entries as they arrive (each entriesAdded event), over either engine's store. Answers
 * how to stop: no round starts after it, and the promise it returns settles once a round in flight
 * has ended (a store's pools can then be closed under none).
 */
export function watchNewEntriesIn(
  store: WatchRecords,
  reads: ReadRunner,
  events: EventHub,
  log: (line: string) => void = () => {},
): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const rounds = async (): Promise<void> => {
    try {
      do {
        again = false;
        const { found, terms: matched, more } = await matchNewEntriesIn(store, reads);
        again ||= more;
        if (found === 0) continue;
        const unseen = await store.unseenMatchCount();
        if (!stopped) events.emit({ type: 'watchAlert', found, terms: matched, unseen });
      } while (again && !stopped);
    } catch (error) {
      if (!stopped) log(`omv: watchlist matching failed: ${errorMessage(error)}`);
    } finally {
      running = null;
    }
  };
  const check = (): void => {
    if (running) {
      again = true; // entries arrived while matching: one more round when this one ends
      return;
    }
    running = rounds();
  };
  check(); // entries stored while omv was not running (omv import) are new to the watchlist too
  const unsubscribe = events.subscribe((event, _audience, relayed) => {
    // Entries another server stored are matched there.
    if (event.type === 'entriesAdded' && !relayed) check();
  });
  return async () => {
    stopped = true;
    unsubscribe();
    await running;
  };
}

/** "Check existing entries": one term (or all) against everything stored; answers the matches found. */
export async function checkExistingEntries(db: Db, reads: ReadRunner, moderator: string, termId?: number): Promise<number> {
  return checkExistingEntriesIn(sqliteWatchRecords(db), reads, moderator, termId);
}

/** checkExistingEntries over either engine's store. */
export async function checkExistingEntriesIn(store: WatchRecords, reads: ReadRunner, moderator: string, termId?: number): Promise<number> {
  const terms = await store.termsToMatch(termId);
  const upTo = await store.newestEntryId();
  const hits = terms.length === 0 ? [] : await findHits(reads, terms, 0, upTo, true);
  // Written in parts: a term that matches half the database does not hold the writer in one go.
  let found = 0;
  const PART = 5000;
  for (let start = 0; start < hits.length; start += PART) {
    found += (await store.recordWatchHits(hits.slice(start, start + PART))).found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await store.auditWatchCheck(moderator, terms, found);
  return found;
}
