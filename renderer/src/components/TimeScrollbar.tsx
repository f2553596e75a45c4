// The timeline's own scrollbar: its track is the whole time range of what the filter selects
// (oldest at the top), not the pages loaded, and its thumb marks what is on screen. Dragging it,
// clicking the track, or its keys (PageUp/PageDown, ↑↓, Home/End) open the timeline at that
// moment, wherever it is in a million entries.
import { useRef, useState } from 'react';
import type { EntryFilter } from '../../../shared/api';
import { useApi } from '../data/useApi';
import { formatTime, type Zone } from '../time';

interface Props {
  filter: EntryFilter;
  zone: Zone;
  visible: { from: number; to: number } | null;
  onMove: (time: number) => void;
}

export function TimeScrollbar({ filter, zone, visible, onMove }: Props) {
  const bounds = useApi('timeBounds', { filter }, { keepPrevious: true });
  const track = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const first = bounds.data?.first ?? null;
  const last = bounds.data?.last ?? null;
  if (first === null || last === null || last <= first) return null;
  const span = last - first;
  const at = (time: number) => Math.max(0, Math.min(1, (time - first) / span));
  const timeAt = (clientY: number) => {
    const box = track.current!.getBoundingClientRect();
    return Math.round(first + Math.max(0, Math.min(1, (clientY - box.top) / box.height)) * span);
  };
  const current = dragging ?? (visible ? (visible.from + visible.to) / 2 : last);
  const thumbTop = dragging !== null ? at(dragging) : visible ? at(visible.from) : 1;
  const thumbBottom = dragging !== null ? at(dragging) : visible ? at(visible.to) : 1;

  const onKeyDown = (event: React.KeyboardEvent) => {
    const step = { PageUp: -0.05, PageDown: 0.05, ArrowUp: -0.01, ArrowDown: 0.01 }[event.key];
    if (step !== undefined) onMove(Math.max(first, Math.min(last, Math.round(current + step * span))));
    else if (event.key === 'Home') onMove(first);
    else if (event.key === 'End') onMove(last);
    else return;
    event.preventDefault();
  };

  return (
    <div
      className={`time-scrollbar${dragging !== null ? ' dragging' : ''}`}
      ref={track}
      role="slider"
      tabIndex={0}
      aria-orientation="vertical"
      aria-label="the whole time range: PageUp and PageDown move through it, Home the oldest, End the newest"
      aria-valuemin={first}
      aria-valuemax={last}
      aria-valuenow={Math.round(current)}
      aria-valuetext={formatTime(current, zone)}
      title={`${formatTime(first, zone)} – ${formatTime(last, zone)}: drag to go anywhere in it`}
      onKeyDown={onKeyDown}
      onPointerDown={(event) => {
        event.currentTarget.setPointerCapture(event.pointerId);
        setDragging(timeAt(event.clientY));
      }}
      onPointerMove={(event) => dragging !== null && setDragging(timeAt(event.clientY))}
      onPointerUp={(event) => {
        if (dragging === null) return;
        setDragging(null);
        onMove(timeAt(event.clientY));
      }}
      onPointerCancel={() => setDragging(null)}
      data-testid="time-scrollbar"
    >
      <div
        className="time-scrollbar-thumb"
        ref={(el) => {
          el?.style.setProperty('top', `${thumbTop * 100}%`);
          el?.style.setProperty('height', `max(14px, ${(thumbBottom - thumbTop) * 100}%)`);
        }}
      />
      {dragging !== null && (
        <span className="time-scrollbar-tip" ref={(el) => el?.style.setProperty('top', `${at(dragging) * 100}%`)}>
          {formatTime(dragging, zone)}
        </span>
      )}
    </div>
  );
}
