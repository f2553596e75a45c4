// The timeline's data: a window of entries paged by keyset on (timestamp, id) in both directions,
// never by offset, so a room of a million entries opens on its newest page at once and scrolls
// anywhere. The window holds at most `limit` entries: growing at one end trims the other. It opens
// on the newest page, or around an anchor entry (the context view), and follows new entries live
// while it holds the newest.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EntryFilter, Keyset } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import { errorMessage } from '../../../shared/errorMessage';
import { api } from '../transport';
import { onEntriesChanged } from './liveUpdates';
import { useStableValue } from './useApi';

export type Direction = 'before' | 'after';

export interface KeysetWindow {
  entries: EntryRecord[];
  /** Entries exist beyond the window's first (older) or last (newer) entry. */
  moreBefore: boolean;
  moreAfter: boolean;
  /** The anchor's id once its page is in (the context view), else null. */
  focusId: number | null;
  loading: boolean;
  error: string | null;
  /** Grows the window by a page in one direction (a no-op at the data's end or while a page loads). */
  extend(direction: Direction): Promise<void>;
}

interface WindowState {
  /** Which filter and anchor these entries are for: a state for another is not shown. */
  key: string;
  entries: EntryRecord[];
  moreBefore: boolean;
  moreAfter: boolean;
  focusId: number | null;
}

const keyOf = (entry: EntryRecord): Keyset => ({ timestamp: entry.timestamp, id: entry.id });

/** Where a window opens: on the newest page, around an entry (the context view), or at a moment (a jump to a date). */
export type WindowAnchor = { entryId: number } | { time: number } | undefined;

/** The first page around a moment: the entries before it and from it on, focused on the first at or after it. */
async function aroundTime(filter: EntryFilter, time: number, page: number, signal: AbortSignal) {
  const at = { timestamp: time, id: 0 };
  const [before, after] = await Promise.all([
    api.timeline({ filter, from: at, direction: 'before', limit: Math.ceil(page / 2) }, signal),
    api.timeline({ filter, from: at, direction: 'after', limit: page }, signal),
  ]);
  const focus = after.entries[0] ?? before.entries.at(-1) ?? null;
  return { entries: [...before.entries, ...after.entries], moreBefore: before.more, moreAfter: after.more, focusId: focus?.id ?? null };
}

/** A timeline's page: entries fetched a page at a time. */
const PAGE = 200;

type NewestPage = ReturnType<typeof api.timeline>;

/** The newest page of every entry, asked for before the desk is drawn (see askNewestEarly). */
let early: NewestPage | null = null;

/**
 * Asks for the newest page of every entry now — when the page's code starts, before React has
 * drawn anything — rather than when the desk's first render gets to its timeline: the desk opens
 * on those rows, and its first render, its other calls and their answers are no longer in front
 * of them. The first timeline to open takes it if it opens on exactly that page.
 */
export function askNewestEarly(): void {
  early = api.timeline({ filter: {}, direction: 'before', limit: PAGE });
  early.catch(() => {}); // a failure is shown by the timeline that takes it
}

/** The early page, if `filter` and `page` ask for it; given once (anything later is asked anew). */
function takeEarly(filter: EntryFilter, page: number): NewestPage | null {
  const taken = early;
  early = null;
  return taken && page === PAGE && JSON.stringify(filter) === '{}' ? taken : null;
}

export function useKeysetWindow(filterGiven: EntryFilter, anchor?: WindowAnchor, { page = PAGE, limit = 3000 } = {}): KeysetWindow {
  const filter = useStableValue(filterGiven);
  const anchorId = anchor && 'entryId' in anchor ? anchor.entryId : undefined;
  const anchorTime = anchor && 'time' in anchor ? anchor.time : undefined;
  const key = `${JSON.stringify(filter)}#${anchorId ?? (anchorTime === undefined ? 'newest' : `t${anchorTime}`)}`;
  const [state, setState] = useState<WindowState | null>(null);
  const [error, setError] = useState<{ key: string; message: string } | null>(null);
  const busy = useRef(false);
  /** Entries arrived while a page was loading: look again once it is in. */
  const missed = useRef(false);
  const current = state?.key === key ? state : null;

  useEffect(() => {
    const controller = new AbortController();
    const first =
      anchorId !== undefined
        ? api
            .context({ entryId: anchorId, radius: 100 }, controller.signal)
            .then(({ entries, focusId }) => ({ entries, moreBefore: true, moreAfter: true, focusId }))
        : anchorTime !== undefined
          ? aroundTime(filter, anchorTime, page, controller.signal)
          : (takeEarly(filter, page) ?? api.timeline({ filter, direction: 'before', limit: page }, controller.signal)).then(
              ({ entries, more }) => ({ entries, moreBefore: more, moreAfter: false, focusId: null }),
            );
    busy.current = true;
    first.then(
      (value) => setState({ key, ...value }),
      (failure: unknown) => !controller.signal.aborted && setError({ key, message: errorMessage(failure) }),
    );
    void first.finally(() => (busy.current = false)).catch(() => {});
    return () => controller.abort();
  }, [key, filter, anchorId, anchorTime, page]);

  const extend = useCallback(
    async (direction: Direction) => {
      if (!current || busy.current) return;
      const edge = direction === 'before' ? current.entries[0] : current.entries.at(-1);
      if (direction === 'before' && (!edge || !current.moreBefore)) return;
      busy.current = true;
      try {
        if (!edge) {
          // An empty window (a new database, a room with nothing yet) has no edge to page from:
          // what has arrived since is its newest page.
          const newest = await api.timeline({ filter, direction: 'before', limit: page });
          setState((now) => (now?.key === key ? { ...now, entries: newest.entries, moreBefore: newest.more, moreAfter: false } : now));
          return;
        }
        const next = await api.timeline({ filter, from: keyOf(edge), direction, limit: page });
        setState((now) => (now?.key === key ? grown(now, direction, next.entries, next.more, limit) : now));
      } catch (failure) {
        setError({ key, message: errorMessage(failure) });
      } finally {
        busy.current = false;
      }
    },
    [current, filter, key, page, limit],
  );

  // Live: entries arrived somewhere; fetch those after ours when we hold the newest (an empty
  // window holds the newest too). One that arrives while a page loads is looked for once it is in.
  const holdsNewest = current !== null && !current.moreAfter;
  useEffect(
    () =>
      holdsNewest
        ? onEntriesChanged(() => {
            if (busy.current) missed.current = true;
            else void extend('after');
          })
        : undefined,
    [holdsNewest, extend],
  );
  useEffect(() => {
    if (!holdsNewest || !missed.current || busy.current) return;
    missed.current = false;
    void extend('after');
  });

  return {
    entries: current?.entries ?? [],
    moreBefore: current?.moreBefore ?? false,
    moreAfter: current?.moreAfter ?? false,
    focusId: current?.focusId ?? null,
    loading: current === null && error?.key !== key,
    error: error?.key === key ? error.message : null,
    extend,
  };
}

/** The window with a page added at one end and trimmed at the other to `limit` entries. */
export function grown(state: WindowState, direction: Direction, page: EntryRecord[], more: boolean, limit: number): WindowState {
  if (direction === 'before') {
    const merged = [...page, ...state.entries];
    const trimmed = merged.length > limit;
    return { ...state, entries: merged.slice(0, limit), moreBefore: more, moreAfter: state.moreAfter || trimmed };
  }
  if (page.length === 0) return state.moreAfter ? { ...state, moreAfter: false } : state;
  const merged = [...state.entries, ...page];
  const dropped = Math.max(0, merged.length - limit);
  return { ...state, entries: merged.slice(dropped), moreBefore: state.moreBefore || dropped > 0, moreAfter: more };
}
