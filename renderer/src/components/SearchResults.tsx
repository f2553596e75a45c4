// Search hits, newest first, highlighted; Enter or a click opens one in its context.
import { useEffect, useState } from 'react';
import type { EntryFilter, SearchResult } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import { api } from '../transport';
import type { Zone } from '../time';
import { EntryRow } from './EntryRow';

interface Props {
  filter: EntryFilter;
  zone: Zone;
  liveTick: number;
  onUser: (userId: string) => void;
  onOpen: (entry: EntryRecord) => void;
  onError: (message: string) => void;
  /** Widen a search made inside one room to all rooms. */
  onAllRooms: () => void;
}

const hitCount = (result: SearchResult) =>
  `${result.capped ? 'more than ' : ''}${result.total.toLocaleString()} ${result.total === 1 ? 'hit' : 'hits'}`;

export function SearchResults({ filter, zone, liveTick, onUser, onOpen, onError, onAllRooms }: Props) {
  const [result, setResult] = useState<SearchResult | null>(null);
  /** The same search in every room, when this one is inside a room: how much lies outside it. */
  const [everywhere, setEverywhere] = useState<SearchResult | null>(null);
  const [selected, setSelected] = useState(0);
  const filterKey = JSON.stringify(filter);

  useEffect(() => {
    let cancelled = false;
    api
      .search({ filter, limit: 200 })
      .then((value) => {
        if (cancelled) return;
        setResult(value);
        setSelected((s) => Math.min(s, Math.max(0, value.hits.length - 1)));
      })
      .catch((error: Error) => !cancelled && onError(error.message));
    setEverywhere(null);
    if (filter.room !== undefined) {
      api.search({ filter: { ...filter, room: undefined }, limit: 1 }).then(
        (value) => !cancelled && setEverywhere(value),
        () => {}, // only a hint: the search itself reports its own errors
      );
    }
    return () => {
      cancelled = true;
    };
    // keyed on the listed values only (the filter by its JSON, callbacks are stable)
  }, [filterKey, liveTick]);

  if (!result) return <div className="timeline-empty">Searching…</div>;
  const count = hitCount(result);

  const onKeyDown = (event: React.KeyboardEvent) => {
    const move = (to: number) => {
      const index = Math.max(0, Math.min(result.hits.length - 1, to));
      setSelected(index);
      document.querySelector(`[data-hit-index="${index}"]`)?.scrollIntoView({ block: 'nearest' });
      event.preventDefault();
    };
    if (event.key === 'ArrowDown' || event.key === 'j') move(selected + 1);
    else if (event.key === 'ArrowUp' || event.key === 'k') move(selected - 1);
    else if (event.key === 'Enter' && result.hits[selected]) onOpen(result.hits[selected]);
  };

  return (
    <div className="results" tabIndex={0} onKeyDown={onKeyDown} data-testid="search-results">
      <div className="results-count" data-testid="result-count">
        {count}
        {filter.room !== undefined && <> in #{filter.room}</>}
        {result.hits.length < result.total && <span className="muted"> · newest {result.hits.length} shown</span>}
        {filter.room !== undefined && everywhere && (
          <button type="button" className="ghost results-widen" onClick={onAllRooms} data-testid="search-all-rooms">
            All rooms: {hitCount(everywhere)}
          </button>
        )}
      </div>
      {result.hits.length === 0 && <div className="timeline-empty">Nothing matches.</div>}
      {result.hits.map((hit, i) => (
        <div key={hit.id} data-hit-index={i} onClick={() => setSelected(i)}>
          <EntryRow entry={hit} zone={zone} showRoom selected={i === selected} onUser={onUser} onOpen={() => onOpen(hit)} />
        </div>
      ))}
    </div>
  );
}
