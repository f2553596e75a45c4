// The timeline: a virtualised list over a window of entries, paged by keyset on (timestamp, id)
// in both directions as the moderator scrolls — a room of a million entries opens on its newest
// page at once. It follows new entries live while scrolled to the end.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { EntryFilter } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import { api } from '../transport';
import type { Zone } from '../time';
import { EntryRow } from './EntryRow';

const PAGE = 200;
const WINDOW = 3000;

interface Props {
  filter: EntryFilter;
  /** Open on this entry with its surroundings (the context view), highlighted. */
  anchorId?: number;
  zone: Zone;
  liveTick: number;
  onUser: (userId: string) => void;
  onOpen: (entry: EntryRecord) => void;
  onError: (message: string) => void;
}

interface Loaded {
  entries: EntryRecord[];
  moreBefore: boolean;
  moreAfter: boolean;
}

const keyOf = (entry: EntryRecord) => ({ timestamp: entry.timestamp, id: entry.id });

export function Timeline({ filter, anchorId, zone, liveTick, onUser, onOpen, onError }: Props) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [selected, setSelected] = useState(-1);
  const scroller = useRef<HTMLDivElement>(null);
  const busy = useRef(false);
  const pendingScroll = useRef<{ index: number; align: 'start' | 'center' | 'end' } | null>(null);
  /** Stuck to the newest entry: stays there as rows are measured and new entries arrive. */
  const stickToEnd = useRef(false);
  /** The context view's focus: kept centred as rows are measured, until the moderator scrolls. */
  const centreOn = useRef<number | null>(null);
  const lastScrollTop = useRef(0);
  const filterKey = JSON.stringify(filter);
  const showRoom = filter.room === undefined;
  const entries = loaded?.entries ?? [];

  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 40,
    overscan: 12,
    getItemKey: (index) => entries[index]?.id ?? index,
  });

  // First page: the newest entries, or the context around the anchor.
  useEffect(() => {
    let cancelled = false;
    setLoaded(null);
    busy.current = true;
    const first =
      anchorId !== undefined
        ? api.context({ entryId: anchorId, radius: 100 }).then(({ entries: around, focusId }) => {
            const index = around.findIndex((e) => e.id === focusId);
            centreOn.current = index;
            setSelected(index);
            return { entries: around, moreBefore: true, moreAfter: true };
          })
        : api.timeline({ filter, direction: 'before', limit: PAGE }).then((page) => {
            stickToEnd.current = true;
            setSelected(-1);
            return { entries: page.entries, moreBefore: page.more, moreAfter: false };
          });
    first
      .then((value) => !cancelled && setLoaded(value))
      .catch((error: Error) => !cancelled && onError(error.message))
      .finally(() => (busy.current = false));
    return () => {
      cancelled = true;
    };
    // keyed on the listed values only (the filter by its JSON, callbacks are stable)
  }, [filterKey, anchorId]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (stickToEnd.current && el) el.scrollTop = el.scrollHeight;
    if (centreOn.current !== null && el && entries.length > 0) {
      const offset = virtualizer.getOffsetForIndex(centreOn.current, 'center')?.[0];
      if (offset !== undefined) el.scrollTop = offset;
    }
    const target = pendingScroll.current;
    if (!target || entries.length === 0) return;
    pendingScroll.current = null;
    const index = Math.max(0, target.index);
    virtualizer.scrollToIndex(index, { align: target.align });
    // Rows are measured as they render: settle once more on the next frame.
    const frame = requestAnimationFrame(() => virtualizer.scrollToIndex(index, { align: target.align }));
    return () => cancelAnimationFrame(frame);
  });

  const loadOlder = useCallback(async () => {
    if (!loaded || !loaded.moreBefore || busy.current || loaded.entries.length === 0) return;
    busy.current = true;
    try {
      const page = await api.timeline({ filter, from: keyOf(loaded.entries[0]!), direction: 'before', limit: PAGE });
      const firstVisible = virtualizer.getVirtualItems()[0]?.index ?? 0;
      const merged = [...page.entries, ...loaded.entries];
      const trimmed = merged.length > WINDOW;
      pendingScroll.current = { index: firstVisible + page.entries.length, align: 'start' };
      setSelected((s) => (s >= 0 ? s + page.entries.length : s));
      setLoaded({ entries: trimmed ? merged.slice(0, WINDOW) : merged, moreBefore: page.more, moreAfter: loaded.moreAfter || trimmed });
    } catch (error) {
      onError((error as Error).message);
    } finally {
      busy.current = false;
    }
  }, [loaded, filter, virtualizer, onError]);

  const loadNewer = useCallback(
    async (follow: boolean) => {
      if (!loaded || busy.current || loaded.entries.length === 0) return;
      busy.current = true;
      try {
        const page = await api.timeline({ filter, from: keyOf(loaded.entries.at(-1)!), direction: 'after', limit: PAGE });
        if (page.entries.length === 0) {
          if (loaded.moreAfter) setLoaded({ ...loaded, moreAfter: false });
          return;
        }
        const merged = [...loaded.entries, ...page.entries];
        const dropped = Math.max(0, merged.length - WINDOW);
        if (dropped > 0 && !follow) {
          const firstVisible = virtualizer.getVirtualItems()[0]?.index ?? 0;
          pendingScroll.current = { index: Math.max(0, firstVisible - dropped), align: 'start' };
        }
        setSelected((s) => (s >= 0 ? s - dropped : s));
        setLoaded({ entries: merged.slice(dropped), moreBefore: loaded.moreBefore || dropped > 0, moreAfter: page.more });
      } catch (error) {
        onError((error as Error).message);
      } finally {
        busy.current = false;
      }
    },
    [loaded, filter, virtualizer, onError],
  );

  const atEnd = () => {
    const el = scroller.current;
    return !!el && el.scrollTop + el.clientHeight >= el.scrollHeight - 48;
  };

  // Live: new entries arrived somewhere; fetch those after ours if we are at the end of the data.
  useEffect(() => {
    if (liveTick > 0 && loaded && !loaded.moreAfter) void loadNewer(atEnd());
    // keyed on the listed values only (the filter by its JSON, callbacks are stable)
  }, [liveTick]);

  const onScroll = () => {
    // Only the moderator scrolling up unsticks; rows growing as they are measured do not.
    const top = scroller.current?.scrollTop ?? 0;
    if (top < lastScrollTop.current - 2) stickToEnd.current = false;
    else if (loaded && !loaded.moreAfter && atEnd()) stickToEnd.current = true;
    lastScrollTop.current = top;
    const items = virtualizer.getVirtualItems();
    if (items.length === 0 || !loaded) return;
    if (items[0]!.index < 15 && loaded.moreBefore) void loadOlder();
    if (items.at(-1)!.index > entries.length - 15 && loaded.moreAfter) void loadNewer(false);
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (entries.length === 0) return;
    const move = (to: number) => {
      const index = Math.max(0, Math.min(entries.length - 1, to));
      setSelected(index);
      virtualizer.scrollToIndex(index, { align: 'auto' });
      event.preventDefault();
    };
    const current = selected < 0 ? (virtualizer.getVirtualItems().at(-1)?.index ?? entries.length) : selected;
    if (event.key === 'ArrowDown' || event.key === 'j') move(selected < 0 ? current : current + 1);
    else if (event.key === 'ArrowUp' || event.key === 'k') move(current - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(entries.length - 1);
    else if (event.key === 'Enter' && selected >= 0) onOpen(entries[selected]!);
  };

  if (!loaded) return <div className="timeline-empty">Loading…</div>;
  if (entries.length === 0) return <div className="timeline-empty">No entries here yet.</div>;

  return (
    <div
      className="timeline"
      ref={scroller}
      onScroll={onScroll}
      onWheel={() => (centreOn.current = null)}
      onPointerDown={() => (centreOn.current = null)}
      tabIndex={0}
      onKeyDown={(event) => {
        centreOn.current = null;
        onKeyDown(event);
      }}
      role="grid"
      aria-label="timeline"
      data-testid="timeline"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {loaded.moreBefore && <div className="timeline-edge">loading older…</div>}
        {virtualizer.getVirtualItems().map((item) => {
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
                selected={item.index === selected}
                focused={entry.id === anchorId}
                onUser={onUser}
                onOpen={anchorId === entry.id ? undefined : () => onOpen(entry)}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}
