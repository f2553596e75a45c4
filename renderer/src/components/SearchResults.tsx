// Search hits, newest first, highlighted; Enter or a click opens one in its context. A search made
// inside a room says so, and offers the same search in every room with its count.
import type { EntryFilter, SearchResult } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import { useState } from 'react';
import { useApi } from '../data/useApi';
import { TagAllDialog } from './TagAllDialog';
import type { Zone } from '../time';
import { EntryList } from './EntryList';
import { ErrorNotice } from './ErrorNotice';

interface Props {
  filter: EntryFilter;
  zone: Zone;
  onUser: (userId: string) => void;
  onOpen: (entry: EntryRecord) => void;
  /** Widen a search made inside one room to all rooms. */
  onAllRooms: () => void;
}

const hitCount = (result: SearchResult) =>
  `${result.capped ? 'more than ' : ''}${result.total.toLocaleString()} ${result.total === 1 ? 'hit' : 'hits'}`;

export function SearchResults({ filter, zone, onUser, onOpen, onAllRooms }: Props) {
  const search = useApi('search', { filter, limit: 200 }, { keepPrevious: true });
  const inRoom = filter.room !== undefined;
  const everywhere = useApi('search', { filter: { ...filter, room: undefined }, limit: 1 }, { enabled: inRoom });
  const result = search.data;
  const [tagging, setTagging] = useState(false);

  if (search.error) return <ErrorNotice message={search.error} />;
  if (!result) return <div className="timeline-empty">Searching…</div>;
  return (
    <div className={`results${search.stale ? ' results-stale' : ''}`} aria-busy={search.loading} data-testid="search-results">
      <div className="results-count" data-testid="result-count" role="status">
        {hitCount(result)}
        {inRoom && <> in #{filter.room}</>}
        {result.hits.length < result.total && <span className="muted"> · newest {result.hits.length} shown</span>}
        {inRoom && everywhere.data && (
          <button type="button" className="ghost results-widen" onClick={onAllRooms} data-testid="search-all-rooms">
            All rooms: {hitCount(everywhere.data)}
          </button>
        )}
        {result.total > 0 && (
          <button type="button" className="ghost results-widen" onClick={() => setTagging(true)} data-testid="tag-all-hits">
            Tag all {hitCount(result)}…
          </button>
        )}
      </div>
      {tagging && <TagAllDialog filter={filter} hits={hitCount(result)} onClose={() => setTagging(false)} />}
      {result.hits.length === 0 ? (
        <div className="timeline-empty">Nothing matches.</div>
      ) : (
        <EntryList
          key={JSON.stringify(filter)}
          entries={result.hits}
          label="search hits"
          zone={zone}
          onUser={onUser}
          onOpen={onOpen}
          testId="search-hits"
        />
      )}
    </div>
  );
}
