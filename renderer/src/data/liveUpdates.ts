// Live updates: main sends one event when entries arrive (a callback, an import), and the views
// showing affected data refresh: cheap answers (rooms, the receiver's status, the timeline's
// newest page) within 150 ms, costly aggregates over millions of entries (the chart, search
// counts) at most every 5 s. Bursts of callbacks are coalesced, never polled. A moderator's change
// (from this window or another) refreshes everything; a watchlist match also notifies.
import { useEffect } from 'react';
import type { ApiEvent, PlainMethod } from '../../../shared/api';
import { transport } from '../transport';
import { queryClient } from './queryClient';

const COSTLY: ReadonlySet<PlainMethod> = new Set(['histogram', 'search', 'searchPage', 'countEntries']);
const FAST_MS = 150;
const SLOW_MS = 5000;

const entryListeners = new Set<() => void>();

/** Runs `listener` (coalesced) whenever stored entries may have changed; answers how to stop. */
export function onEntriesChanged(listener: () => void): () => void {
  entryListeners.add(listener);
  return () => entryListeners.delete(listener);
}

/** A filter that reads what moderators add (tags, notes, review marks). */
const readsReview = (args: unknown) => {
  const filter = (args as { filter?: { tag?: string; hasNote?: boolean; unreviewed?: boolean } } | undefined)?.filter;
  return !!filter && (filter.tag !== undefined || filter.hasNote === true || filter.unreviewed === true);
};

/**
 * Moderators changed what they add (a tag, a note, a decision, the watchlist): every answer that
 * shows it is refreshed; the costly ones (the chart, search counts) only when their filter reads it.
 */
export function reviewChanged(): Promise<void> {
  return queryClient.invalidateQueries({
    predicate: (query) => !COSTLY.has(query.queryKey[0] as PlainMethod) || readsReview(query.queryKey[1]),
  });
}

/** What a report's change (a claim, a release, an assignment, a decision) shows in: the queue, its counts, that report, the trail. */
const REPORT_VIEWS: ReadonlySet<PlainMethod> = new Set(['reports', 'reportCounts', 'receiverStatus', 'audit', 'moderators']);

function reportChanged(id: number): Promise<void> {
  return queryClient.invalidateQueries({
    predicate: (query) =>
      REPORT_VIEWS.has(query.queryKey[0] as PlainMethod) ||
      (query.queryKey[0] === 'report' && (query.queryKey[1] as { id?: number } | undefined)?.id === id),
  });
}

/** A note was added or edited: that target's notes, the note counts on rows, the trail, and what searches has:note. */
function notesChanged(target: string, targetId: number): Promise<void> {
  return queryClient.invalidateQueries({
    predicate: (query) => {
      const [method, args] = query.queryKey as [PlainMethod, { target?: string; targetId?: number; filter?: { hasNote?: boolean } }];
      if (method === 'notes') return args?.target === target && args.targetId === targetId;
      return method === 'reviews' || method === 'audit' || args?.filter?.hasNote === true;
    },
  });
}

/** Main stored something new or changed what it has, whether or not it was a live event. */
export function entriesChanged(costlyToo = true): void {
  void queryClient.invalidateQueries({ predicate: (query) => costlyToo || !COSTLY.has(query.queryKey[0] as PlainMethod) });
  for (const listener of entryListeners) listener();
}

/** A desktop notification (Electron shows the system's; a browser its own, once allowed). */
function notify(found: number, terms: string[]): void {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  new Notification(`Watchlist: ${found} new ${found === 1 ? 'match' : 'matches'}`, { body: terms.join(', '), tag: 'omv-watchlist' });
}

/** Listens to main's events for as long as the desk is open (the app's root calls it once). */
export function useLiveUpdates(): void {
  useEffect(() => {
    let fast: ReturnType<typeof setTimeout> | null = null;
    let slow: ReturnType<typeof setTimeout> | null = null;
    let connections = 0;
    const stop = transport.onEvent((event: ApiEvent) => {
      // Connected again after a drop (a server restart): what happened meanwhile was not heard, so
      // everything shown is read again (what the moderator typed is the page's, and stays).
      if (event.type === 'connected') {
        if (connections++ > 0) entriesChanged();
        return;
      }
      if (event.type === 'reviewChanged') {
        void reviewChanged();
        return;
      }
      if (event.type === 'reportChanged') {
        void reportChanged(event.id);
        return;
      }
      if (event.type === 'notesChanged') {
        void notesChanged(event.target, event.targetId);
        return;
      }
      if (event.type === 'watchAlert') {
        void reviewChanged();
        notify(event.found, event.terms);
        return;
      }
      if (event.type !== 'entriesAdded' && event.type !== 'deliveryReceived') return;
      fast ??= setTimeout(() => {
        fast = null;
        entriesChanged(false);
      }, FAST_MS);
      slow ??= setTimeout(() => {
        slow = null;
        void queryClient.invalidateQueries({ predicate: (query) => COSTLY.has(query.queryKey[0] as PlainMethod) });
      }, SLOW_MS);
    });
    return () => {
      stop();
      if (fast) clearTimeout(fast);
      if (slow) clearTimeout(slow);
    };
  }, []);
}
