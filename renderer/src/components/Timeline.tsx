// The timeline: a virtualised grid over the keyset window (data/useKeysetWindow.ts) that pages as
// the moderator scrolls, keeps the row they were looking at in place when a page is added above
// it, and follows new entries live while scrolled to the end. It opens on the newest entries, on
// an entry (the context view), at a moment (a jump to a date), or, after Back, on the entry that
// was selected. Beside it a scrollbar of its own spans the whole time range of the filter, not
// just the pages loaded: dragging it to the top opens the oldest entries. The grid is one tab stop
// (its rows' buttons are not): ↑↓ (j k), Home, End move, Enter opens in context, t tags, u opens
// the user, w says who was there.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { EntryFilter } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import { useEntryReviews } from '../data/useEntryReviews';
import { useKeysetWindow, type WindowAnchor } from '../data/useKeysetWindow';
import { useRemembered } from '../data/useNavigation';
import { entrySubject, TagEditor } from './TagEditor';
import { useDesk } from '../data/desk';
import type { Zone } from '../time';
import { EntryRow } from './EntryRow';
import { ErrorNotice } from './ErrorNotice';
import { gridKeys } from './gridKeys';
import { PresenceDialog } from './PresenceDialog';
import { TimeScrollbar } from './TimeScrollbar';

interface Props {
  filter: EntryFilter;
  /** Open on this entry with its surroundings (the context view), highlighted. */
  anchorId?: number;
  /** Open at this moment (a jump to a date): the first entry at or after it is selected. */
  anchorTime?: number | null;
  zone: Zone;
  /** The room's "reviewed up to" mark: later entries stand out. */
  reviewedTo?: number | null;
  /** What to say when there are no entries (a purged room says so). */
  emptyText?: string;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
  onOpen: (entry: EntryRecord) => void;
  /** The entry selected, as it changes (Mark reviewed… offers "up to this entry"). */
  onSelect?: (entry: EntryRecord | null) => void;
  /** The times of the first and last entry on screen, as they change (the chart marks them). */
  onVisibleRange?: (range: { from: number; to: number } | null) => void;
}

/** A row's height before it is measured (px). */
const ESTIMATED_ROW = 40;
/** How close to an end of the window (in rows) the next page is fetched. */
const PREFETCH_ROWS = 15;

export function Timeline({ filter, anchorId, anchorTime, zone, reviewedTo, emptyText, onUser, onOpen, onSelect, onVisibleRange }: Props) {
  const [rememberedNow, remember] = useRemembered<{ id: number; ts: number } | null>(`timeline:${JSON.stringify(filter)}`, null);
  /** The entry selected when this timeline was last shown (Back): it opens there, once. */
  const [remembered] = useState(rememberedNow);
  /** A moment the time scrollbar moved to (it overrides where the timeline opened). */
  const [moved, setMoved] = useState<number | null>(null);
  const anchor: WindowAnchor =
    moved !== null
      ? { time: moved }
      : anchorId !== undefined
        ? { entryId: anchorId }
        : anchorTime != null
          ? { time: anchorTime }
          : remembered
            ? { time: remembered.ts }
            : undefined;
  const keyset = useKeysetWindow(filter, anchor);
  const { entries, extend } = keyset;
  const [selectedId, setSelectedId] = useState<number | null>(
    remembered && anchor && moved === null && anchorTime == null ? remembered.id : null,
  );
  const [reviewing, setReviewing] = useState<EntryRecord | null>(null);
  const [asking, setAsking] = useState<EntryRecord | null>(null);
  const desk = useDesk();
  const reviews = useEntryReviews(entries);
  const scroller = useRef<HTMLDivElement>(null);
  /** Stuck to the newest entry: stays there as rows are measured and new entries arrive. */
  const stickToEnd = useRef(anchor === undefined);
  /** The first row on screen when last rendered: kept where it was when pages come and go around it. */
  const onScreen = useRef<{ entries: EntryRecord[]; id: number; offset: number } | null>(null);
  /** The focus (an anchor's entry): kept centred as rows are measured, until the moderator moves. */
  const centreOn = useRef(anchor !== undefined);
  const lastScrollTop = useRef(0);
  /** Where the timeline last put its scroll position to stick to the newest entry, and in which scroller (a new one, drawn after "Loading…", starts at the top: no move of the moderator's). */
  const pinnedAt = useRef<{ el: HTMLElement | null; top: number }>({ el: null, top: 0 });
  const showRoom = filter.room === undefined;
  const selected = selectedId ?? keyset.focusId;
  const selectedIndex = selected === null ? -1 : entries.findIndex((entry) => entry.id === selected);
  const selectedEntry = selectedIndex >= 0 ? entries[selectedIndex]! : null;

  // eslint-disable-next-line react-hooks/incompatible-library -- its functions are read while rendering, never memoised
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ESTIMATED_ROW,
    overscan: 12,
    getItemKey: (index) => entries[index]?.id ?? index,
  });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || entries.length === 0) return;
    let settle: (() => void) | null = null;
    // Moved up since it was pinned, and not by rows shrinking (which leave it at the bottom): the
    // moderator, or the browser for them (a row scrolled into view to be clicked), moved it, and
    // the scroll's event, which comes on the next frame, is not in yet. A press on a row selects
    // it, so renders, in the same frame: pinned again here, the row would leave from under the
    // pointer before its click (a click on a user scrolled to opened nothing).
    const pinned = pinnedAt.current;
    if (stickToEnd.current && pinned.el === el && el.scrollTop < pinned.top - 2 && el.scrollTop < el.scrollHeight - el.clientHeight - 2) {
      stickToEnd.current = false;
    }
    if (stickToEnd.current) {
      el.scrollTop = el.scrollHeight;
      pinnedAt.current = { el, top: el.scrollTop };
    } else if (centreOn.current && (selected ?? keyset.focusId) !== null) {
      const index = entries.findIndex((entry) => entry.id === (selected ?? keyset.focusId));
      const offset = index >= 0 ? virtualizer.getOffsetForIndex(index, 'center')?.[0] : undefined;
      if (offset !== undefined) el.scrollTop = offset;
    } else if (onScreen.current && onScreen.current.entries !== entries) {
      const { id, offset } = onScreen.current;
      const index = entries.findIndex((entry) => entry.id === id);
      settle = () => {
        const start = index >= 0 ? virtualizer.getOffsetForIndex(index, 'start')?.[0] : undefined;
        if (start !== undefined) el.scrollTop = start + offset;
      };
      settle();
    }
    const first = virtualizer.getVirtualItems().find((item) => item.end > el.scrollTop);
    const entry = first && entries[first.index];
    onScreen.current = entry ? { entries, id: entry.id, offset: el.scrollTop - first.start } : null;
    if (!settle) return;
    // Rows are measured as they render: settle once more on the next frame.
    const frame = requestAnimationFrame(settle);
    return () => cancelAnimationFrame(frame);
  });

  // The selection, told to the parent and remembered for Back.
  useEffect(() => {
    onSelect?.(selectedEntry);
    if (selectedEntry && anchorId === undefined) remember({ id: selectedEntry.id, ts: selectedEntry.timestamp });
  }, [selectedEntry, onSelect, remember, anchorId]);

  const atEnd = () => {
    const el = scroller.current;
    return !!el && el.scrollTop + el.clientHeight >= el.scrollHeight - 48;
  };

  // Pages near the edges load as soon as the rows near an edge are on screen.
  const items = virtualizer.getVirtualItems();
  const nearStart = items.length > 0 && items[0]!.index < PREFETCH_ROWS && keyset.moreBefore;
  const nearEnd = items.length > 0 && items.at(-1)!.index > entries.length - PREFETCH_ROWS && keyset.moreAfter;
  useEffect(() => {
    if (nearStart) void extend('before');
    else if (nearEnd) void extend('after');
  }, [nearStart, nearEnd, extend]);

  // What is on screen, in time: the chart marks it, the scrollbar's thumb follows it.
  const [visible, setVisible] = useState<{ from: number; to: number } | null>(null);
  const measureVisible = () => {
    const el = scroller.current;
    if (!el) return;
    const shown = virtualizer.getVirtualItems().filter((item) => item.end > el.scrollTop && item.start < el.scrollTop + el.clientHeight);
    const first = shown[0] && entries[shown[0].index];
    const last = shown.at(-1) && entries[shown.at(-1)!.index];
    const next = first && last ? { from: first.timestamp, to: last.timestamp } : null;
    setVisible((now) => (now?.from === next?.from && now?.to === next?.to ? now : next));
  };
  useEffect(measureVisible);
  useEffect(() => onVisibleRange?.(visible), [visible, onVisibleRange]);
  useEffect(() => () => onVisibleRange?.(null), [onVisibleRange]);

  const onScroll = () => {
    // Only the moderator scrolling up unsticks; rows growing as they are measured do not.
    const top = scroller.current?.scrollTop ?? 0;
    if (top < lastScrollTop.current - 2) stickToEnd.current = false;
    else if (!keyset.moreAfter && atEnd()) {
      stickToEnd.current = true;
      pinnedAt.current = { el: scroller.current, top };
    }
    lastScrollTop.current = top;
    measureVisible();
  };

  const stopAutoScroll = () => {
    centreOn.current = false;
  };

  const moveTo = (time: number) => {
    setMoved(time);
    setSelectedId(null);
    stickToEnd.current = false;
    centreOn.current = true;
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    stopAutoScroll();
    const from = selectedIndex >= 0 ? selectedIndex : (items.at(-1)?.index ?? entries.length - 1) + 1;
    gridKeys(event, entries.length, from, {
      move: (index) => {
        stickToEnd.current = false;
        setSelectedId(entries[index]!.id);
        virtualizer.scrollToIndex(index, { align: 'auto' });
      },
      open: () => selectedEntry && anchorId !== selectedEntry.id && onOpen(selectedEntry),
      review: () => selectedEntry && setReviewing(selectedEntry),
      user: () => selectedEntry?.userId && onUser(selectedEntry.userId, selectedEntry.domainId),
      who: () => selectedEntry && setAsking(selectedEntry),
    });
  };

  if (keyset.error) return <ErrorNotice message={keyset.error} />;
  if (keyset.loading) return <div className="timeline-empty">Loading…</div>;
  if (entries.length === 0) return <div className="timeline-empty">{emptyText ?? 'No entries here yet.'}</div>;

  const grid = (
    <div
      className="timeline"
      ref={scroller}
      onScroll={onScroll}
      onWheel={stopAutoScroll}
      onPointerDown={stopAutoScroll}
      tabIndex={0}
      onKeyDown={onKeyDown}
      role="grid"
      aria-label="timeline: arrow keys move, Enter opens in context, t tags, u the user, w who was there"
      aria-rowcount={-1}
      aria-activedescendant={selectedIndex >= 0 ? `entry-${entries[selectedIndex]!.id}` : undefined}
      data-view-focus
      data-testid="timeline"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }} role="rowgroup">
        {keyset.moreBefore && <div className="timeline-edge">loading older…</div>}
        {items.map((item) => {
          const entry = entries[item.index]!;
          return (
            <div
              key={item.key}
              data-index={item.index}
              ref={virtualizer.measureElement}
              className="timeline-item"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <EntryRow
                entry={entry}
                zone={zone}
                showRoom={showRoom}
                selected={item.index === selectedIndex}
                focused={entry.id === keyset.focusId}
                unreviewed={reviewedTo != null && entry.timestamp > reviewedTo}
                review={reviews[entry.id]}
                onUser={onUser}
                onOpen={anchorId === entry.id ? undefined : () => onOpen(entry)}
                onReview={() => setReviewing(entry)}
                onWho={() => setAsking(entry)}
                onSelect={() => setSelectedId(entry.id)}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
  return (
    <div className="timeline-frame">
      {grid}
      <TimeScrollbar filter={filter} zone={zone} visible={visible} onMove={moveTo} />
      {reviewing && (
        <TagEditor subject={entrySubject(reviewing, zone, desk.showUser, desk.showRoom)} zone={zone} onClose={() => setReviewing(null)} />
      )}
      {asking && <PresenceDialog entry={asking} zone={zone} onUser={onUser} onClose={() => setAsking(null)} />}
    </div>
  );
}
