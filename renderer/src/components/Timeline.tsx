// The timeline: a virtualised grid over the keyset window (data/useKeysetWindow.ts) that pages as
// the moderator scrolls, keeps the row they were looking at in place when a page is added above
// it, and follows new entries live while scrolled to the end. Keys: ↑↓ (j k), Home, End, Enter.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { EntryFilter } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import { useEntryReviews } from '../data/useEntryReviews';
import { useKeysetWindow } from '../data/useKeysetWindow';
import { entrySubject, TagEditor } from './TagEditor';
import { useDesk } from '../data/desk';
import type { Zone } from '../time';
import { EntryRow } from './EntryRow';
import { ErrorNotice } from './ErrorNotice';
import { gridKeys } from './gridKeys';

interface Props {
  filter: EntryFilter;
  /** Open on this entry with its surroundings (the context view), highlighted. */
  anchorId?: number;
  zone: Zone;
  /** The room's "reviewed up to" mark: later entries stand out. */
  reviewedTo?: number | null;
  onUser: (userId: string) => void;
  onOpen: (entry: EntryRecord) => void;
}

/** How close to an end of the window (in rows) the next page is fetched. */
const PREFETCH_ROWS = 15;

export function Timeline({ filter, anchorId, zone, reviewedTo, onUser, onOpen }: Props) {
  const keyset = useKeysetWindow(filter, anchorId !== undefined ? { entryId: anchorId } : undefined);
  const { entries, extend } = keyset;
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [reviewing, setReviewing] = useState<EntryRecord | null>(null);
  const desk = useDesk();
  const reviews = useEntryReviews(entries);
  const scroller = useRef<HTMLDivElement>(null);
  /** Stuck to the newest entry: stays there as rows are measured and new entries arrive. */
  const stickToEnd = useRef(anchorId === undefined);
  /** The first row on screen when last rendered: kept where it was when pages come and go around it. */
  const onScreen = useRef<{ entries: EntryRecord[]; id: number; offset: number } | null>(null);
  /** The context view's focus: kept centred as rows are measured, until the moderator moves. */
  const centreOn = useRef(anchorId !== undefined);
  const lastScrollTop = useRef(0);
  const showRoom = filter.room === undefined;
  const selected = selectedId ?? keyset.focusId;
  const selectedIndex = selected === null ? -1 : entries.findIndex((entry) => entry.id === selected);

  // eslint-disable-next-line react-hooks/incompatible-library -- its functions are read while rendering, never memoised
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 40,
    overscan: 12,
    getItemKey: (index) => entries[index]?.id ?? index,
  });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || entries.length === 0) return;
    let settle: (() => void) | null = null;
    if (stickToEnd.current) {
      el.scrollTop = el.scrollHeight;
    } else if (centreOn.current && keyset.focusId !== null) {
      const index = entries.findIndex((entry) => entry.id === keyset.focusId);
      const offset = virtualizer.getOffsetForIndex(index, 'center')?.[0];
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

  const onScroll = () => {
    // Only the moderator scrolling up unsticks; rows growing as they are measured do not.
    const top = scroller.current?.scrollTop ?? 0;
    if (top < lastScrollTop.current - 2) stickToEnd.current = false;
    else if (!keyset.moreAfter && atEnd()) stickToEnd.current = true;
    lastScrollTop.current = top;
  };

  const stopAutoScroll = () => {
    centreOn.current = false;
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
      open: () => selectedIndex >= 0 && onOpen(entries[selectedIndex]!),
      review: () => selectedIndex >= 0 && setReviewing(entries[selectedIndex]!),
    });
  };

  if (keyset.error) return <ErrorNotice message={keyset.error} />;
  if (keyset.loading) return <div className="timeline-empty">Loading…</div>;
  if (entries.length === 0) return <div className="timeline-empty">No entries here yet.</div>;

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
      aria-label="timeline"
      aria-rowcount={-1}
      aria-activedescendant={selectedIndex >= 0 ? `entry-${entries[selectedIndex]!.id}` : undefined}
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
              />
            </div>
          );
        })}
      </div>
    </div>
  );
  return (
    <>
      {grid}
      {reviewing && <TagEditor subject={entrySubject(reviewing, zone, desk.showUser)} zone={zone} onClose={() => setReviewing(null)} />}
    </>
  );
}
