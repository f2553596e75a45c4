// Browsing: the chart of activity (or of hits) over time above the timeline, or the search hits
// when the query has words in it.
import type { EntryFilter } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import { Histogram } from '../components/Histogram';
import { SearchResults } from '../components/SearchResults';
import { Timeline } from '../components/Timeline';
import type { Zone } from '../time';

interface Props {
  filter: EntryFilter;
  zone: Zone;
  /** The room's "reviewed up to" mark, when one room is shown. */
  reviewedTo: number | null;
  onRange: (from: number, to: number) => void;
  onUser: (userId: string) => void;
  onOpen: (entry: EntryRecord) => void;
  onAllRooms: () => void;
}

export function BrowseView({ filter, zone, reviewedTo, onRange, onUser, onOpen, onAllRooms }: Props) {
  return (
    <>
      <Histogram filter={filter} zone={zone} onRange={onRange} />
      <section className="content">
        {filter.text !== undefined ? (
          <SearchResults filter={filter} zone={zone} onUser={onUser} onOpen={onOpen} onAllRooms={onAllRooms} />
        ) : (
          <Timeline filter={filter} zone={zone} reviewedTo={reviewedTo} onUser={onUser} onOpen={onOpen} />
        )}
      </section>
    </>
  );
}
