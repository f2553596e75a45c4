// Activity over time for the current filter (hits over time while searching). Drag across it, or
// click a bar, to zoom into that range: the selection is drawn over the bars as it is dragged, and
// a drag that leaves the chart goes on (the pointer is captured) until the button is let go; Esc
// cancels it. From the keyboard it is a slider: ← → pick a bar, Shift widens the pick, Enter
// zooms, - zooms out one step. A bracket marks the span of time the list shows.
import { useRef, useState } from 'react';
import type { EntryFilter, Histogram as HistogramData } from '../../../shared/api';
import { useApi } from '../data/useApi';
import { formatTime, type Zone } from '../time';
import { formatCount } from '../numbers';

interface Props {
  filter: EntryFilter;
  zone: Zone;
  onRange: (from: number, to: number) => void;
  /** One step back out (the range before the last zoom), when there is one. */
  onZoomOut?: (() => void) | undefined;
  /** The times the list shows: marked on the chart. */
  visible?: { from: number; to: number } | null;
}

const BUCKETS = 120;

export function Histogram({ filter, zone, onRange, onZoomOut, visible }: Props) {
  const searching = filter.text !== undefined;
  const chart = useApi('histogram', { filter, buckets: BUCKETS }, { keepPrevious: true });
  const what = searching ? 'hits' : 'activity';
  if (chart.error) {
    return (
      <div className="histogram histogram-empty" role="status" data-testid="histogram-error">
        The {what} chart could not be drawn: {chart.error}
      </div>
    );
  }
  if (!chart.data) return <div className="histogram histogram-empty" aria-busy="true" />;
  if (chart.data.counts.length === 0) {
    return <div className="histogram histogram-empty">{searching ? 'No hits to chart.' : ''}</div>;
  }
  return (
    <Chart
      data={chart.data}
      what={what}
      stale={chart.stale}
      zone={zone}
      onRange={onRange}
      onZoomOut={onZoomOut}
      visible={visible ?? null}
    />
  );
}

function Chart({
  data,
  what,
  stale,
  zone,
  onRange,
  onZoomOut,
  visible,
}: {
  data: HistogramData;
  what: string;
  stale: boolean;
  zone: Zone;
  onRange: (from: number, to: number) => void;
  onZoomOut?: (() => void) | undefined;
  visible: { from: number; to: number } | null;
}) {
  const [drag, setDrag] = useState<{ start: number; end: number } | null>(null);
  /** The keyboard's pick: a bar, or a run of bars from `mark`. */
  const [cursor, setCursor] = useState<{ at: number; mark: number } | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  const n = data.counts.length;
  const max = Math.max(...data.counts, 1);
  const bucketStart = (i: number) => data.from + i * data.bucketMs;
  const bucketAt = (clientX: number) => {
    const box = svg.current!.getBoundingClientRect();
    return Math.max(0, Math.min(n - 1, Math.floor(((clientX - box.left) / box.width) * n)));
  };
  const apply = (a: number, b: number) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    onRange(bucketStart(lo), bucketStart(hi + 1) - 1);
  };
  const picked = drag ?? (cursor && { start: cursor.mark, end: cursor.at });
  const selection = picked && { lo: Math.min(picked.start, picked.end), hi: Math.max(picked.start, picked.end) };
  const at = cursor?.at ?? n - 1;
  const describe = (i: number) =>
    `${formatTime(bucketStart(i), zone)}: ${formatCount(data.counts[i]!)} ${what === 'hits' ? 'hits' : 'entries'}`;

  const onKeyDown = (event: React.KeyboardEvent) => {
    const steps: Record<string, number> = {
      ArrowLeft: at - 1,
      ArrowRight: at + 1,
      Home: 0,
      End: n - 1,
      PageUp: at - 10,
      PageDown: at + 10,
    };
    if (event.key in steps) {
      const next = Math.max(0, Math.min(n - 1, steps[event.key]!));
      setCursor({ at: next, mark: event.shiftKey ? (cursor?.mark ?? at) : next });
      event.preventDefault();
    } else if (event.key === 'Enter' && cursor) {
      apply(cursor.mark, cursor.at);
      event.preventDefault();
    } else if (event.key === '-' && onZoomOut) {
      onZoomOut();
      event.preventDefault();
    } else if (event.key === 'Escape' && (cursor || drag)) {
      setCursor(null);
      setDrag(null);
      event.preventDefault();
      event.stopPropagation();
    }
  };
  // The list's span, in the chart's units (a bar a unit), kept inside the chart.
  const marker =
    visible && visible.to >= data.from && visible.from <= data.from + n * data.bucketMs
      ? {
          x: Math.max(0, (visible.from - data.from) / data.bucketMs),
          end: Math.min(n, (visible.to - data.from) / data.bucketMs),
        }
      : null;

  const outliers = data.outliers;
  return (
    <div className={`histogram${stale ? ' histogram-stale' : ''}`} data-testid="histogram" data-what={what}>
      <div
        className="histogram-plot"
        role="slider"
        tabIndex={0}
        aria-label={`${what} over time: arrow keys pick a time, Shift widens, Enter zooms in${onZoomOut ? ', minus zooms out' : ''}`}
        aria-valuemin={0}
        aria-valuemax={n - 1}
        aria-valuenow={at}
        aria-valuetext={
          selection && selection.lo !== selection.hi ? `${describe(selection.lo)} to ${describe(selection.hi)}` : describe(at)
        }
        onKeyDown={onKeyDown}
        onBlur={() => setCursor(null)}
        title="drag to zoom into a time range"
        data-testid="histogram-plot"
      >
        <svg
          ref={svg}
          viewBox={`0 0 ${n} 100`}
          preserveAspectRatio="none"
          aria-hidden
          onPointerDown={(e) => {
            if (e.button !== 0) return;
            // Captured: a drag that leaves the chart goes on until the button is let go.
            e.currentTarget.setPointerCapture(e.pointerId);
            setDrag({ start: bucketAt(e.clientX), end: bucketAt(e.clientX) });
          }}
          onPointerMove={(e) => drag && setDrag({ ...drag, end: bucketAt(e.clientX) })}
          onPointerUp={() => {
            if (drag) apply(drag.start, drag.end);
            setDrag(null);
          }}
          onPointerCancel={() => setDrag(null)}
        >
          {data.counts.map((count, i) => (
            <rect key={i} className="histogram-bar" x={i + 0.1} width={0.8} y={100 - (count / max) * 100} height={(count / max) * 100}>
              <title>{describe(i)}</title>
            </rect>
          ))}
          {marker && (
            <rect
              className="histogram-visible"
              x={marker.x}
              width={Math.max(0.4, marker.end - marker.x)}
              y={0}
              height={100}
              data-testid="histogram-visible"
            />
          )}
          {/* Over the bars, not behind them: the selection is seen as it is dragged. */}
          {selection && (
            <rect
              className="histogram-selection"
              x={selection.lo}
              width={selection.hi - selection.lo + 1}
              y={0}
              height={100}
              data-testid="histogram-selection"
            />
          )}
        </svg>
      </div>
      <div className="histogram-axis">
        <span>
          {outliers && outliers.before > 0 && (
            <span
              className="histogram-outliers"
              title={`left out of the chart, far from the rest; the earliest at ${formatTime(outliers.earliest!, zone)}`}
              data-testid="outliers-before"
            >
              +{formatCount(outliers.before)} earlier ·{' '}
            </span>
          )}
          {formatTime(data.from, zone)}
        </span>
        {cursor && <span className="histogram-cursor">{describe(cursor.at)}</span>}
        <span>
          {formatTime(Math.min(data.to, data.from + n * data.bucketMs), zone)}
          {outliers && outliers.after > 0 && (
            <span
              className="histogram-outliers"
              title={`left out of the chart, far from the rest; the latest at ${formatTime(outliers.latest!, zone)}`}
              data-testid="outliers-after"
            >
              {' '}
              · +{formatCount(outliers.after)} later
            </span>
          )}
        </span>
      </div>
    </div>
  );
}
