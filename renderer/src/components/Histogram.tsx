// Activity over time for the current filter. Drag across it (or click a bar) to zoom the range.
import { useEffect, useRef, useState } from 'react';
import type { EntryFilter, Histogram as HistogramData } from '../../../shared/api';
import { api } from '../transport';
import { formatTime, type Zone } from '../time';

interface Props {
  filter: EntryFilter;
  zone: Zone;
  liveTick: number;
  onRange: (from: number, to: number) => void;
}

const BUCKETS = 120;

export function Histogram({ filter, zone, liveTick, onRange }: Props) {
  const [data, setData] = useState<HistogramData | null>(null);
  const [drag, setDrag] = useState<{ start: number; end: number } | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  const filterKey = JSON.stringify(filter);

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      api.histogram({ filter, buckets: BUCKETS }).then(
        (value) => !cancelled && setData(value),
        () => {},
      );
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
    // keyed on the listed values only (the filter by its JSON, callbacks are stable)
  }, [filterKey, liveTick]);

  if (!data || data.counts.length === 0) return <div className="histogram histogram-empty" />;
  const max = Math.max(...data.counts, 1);
  const bucketAt = (clientX: number) => {
    const box = svg.current!.getBoundingClientRect();
    return Math.max(0, Math.min(data.counts.length - 1, Math.floor(((clientX - box.left) / box.width) * data.counts.length)));
  };
  const apply = (a: number, b: number) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    onRange(data.from + lo * data.bucketMs, data.from + (hi + 1) * data.bucketMs - 1);
  };
  const selection = drag && { lo: Math.min(drag.start, drag.end), hi: Math.max(drag.start, drag.end) };
  const outliers = data.outliers;

  return (
    <div className="histogram" title="drag to zoom into a time range">
      <svg
        ref={svg}
        viewBox={`0 0 ${data.counts.length} 100`}
        preserveAspectRatio="none"
        role="img"
        aria-label="activity over time"
        onMouseDown={(e) => setDrag({ start: bucketAt(e.clientX), end: bucketAt(e.clientX) })}
        onMouseMove={(e) => drag && setDrag({ ...drag, end: bucketAt(e.clientX) })}
        onMouseUp={() => {
          if (drag) apply(drag.start, drag.end);
          setDrag(null);
        }}
        onMouseLeave={() => setDrag(null)}
      >
        {selection && <rect className="histogram-selection" x={selection.lo} width={selection.hi - selection.lo + 1} y={0} height={100} />}
        {data.counts.map((count, i) => (
          <rect key={i} className="histogram-bar" x={i + 0.1} width={0.8} y={100 - (count / max) * 100} height={(count / max) * 100}>
            <title>{`${formatTime(data.from + i * data.bucketMs, zone)}: ${count.toLocaleString()}`}</title>
          </rect>
        ))}
      </svg>
      <div className="histogram-axis">
        <span>
          {outliers && outliers.before > 0 && (
            <span
              className="histogram-outliers"
              title={`left out of the chart, far from the rest; the earliest at ${formatTime(outliers.earliest!, zone)}`}
              data-testid="outliers-before"
            >
              +{outliers.before.toLocaleString()} earlier ·{' '}
            </span>
          )}
          {formatTime(data.from, zone)}
        </span>
        <span>
          {formatTime(Math.min(data.to, data.from + data.counts.length * data.bucketMs), zone)}
          {outliers && outliers.after > 0 && (
            <span
              className="histogram-outliers"
              title={`left out of the chart, far from the rest; the latest at ${formatTime(outliers.latest!, zone)}`}
              data-testid="outliers-after"
            >
              {' '}
              · +{outliers.after.toLocaleString()} later
            </span>
          )}
        </span>
      </div>
    </div>
  );
}
