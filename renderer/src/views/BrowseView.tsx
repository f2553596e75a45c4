// Browsing: the chart of activity (or of hits) over time above the timeline, or the search hits
// when the query has words in it. A query with a part that cannot be read shows what is wrong with
// it and nothing else: half a query is another query. A query of filters alone (from:u1) says how
// many entries it selects above their timeline. "Go to" opens the timeline at a date and time.
import { useState } from 'react';
import type { EntryFilter } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import type { BulkAction } from '../components/BulkNotice';
import { Histogram } from '../components/Histogram';
import { SearchResults } from '../components/SearchResults';
import { Timeline } from '../components/Timeline';
import { useApi } from '../data/useApi';
import { formatTime, type Zone } from '../time';
import { formatCount } from '../numbers';

interface Props {
  filter: EntryFilter;
  /** What is wrong with the query, when something is: then nothing runs. */
  errors: string[] | null;
  /** A query was typed (its count is shown even without words). */
  searched: boolean;
  /** Its before:/after: without a zone, read as UTC while the desk shows local time (said above the list). */
  utcTimes: string[];
  zone: Zone;
  /** The room's "reviewed up to" mark, when one room is shown. */
  reviewedTo: number | null;
  /** The room was emptied by a purge: when, and of what. */
  purged: { at: number; before: number } | null;
  /** A moment to open the timeline at. */
  jump: number | null;
  onJump: (time: number | null) => void;
  onRange: (from: number, to: number) => void;
  onZoomOut?: (() => void) | undefined;
  onSelect: (entry: EntryRecord | null) => void;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
  onOpen: (entry: EntryRecord) => void;
  onAllRooms: () => void;
  onReports: (text: string) => void;
  onTagged: (action: BulkAction) => void;
}

/** A date and time typed in the chosen zone, as epoch ms (null for nonsense). */
function typedTime(text: string, zone: Zone): number | null {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text)) return null;
  const full = text.length === 10 ? `${text}T00:00` : text;
  const ms = zone === 'utc' ? Date.parse(`${full}Z`) : new Date(full).getTime();
  return Number.isNaN(ms) ? null : ms;
}

function JumpTo({ zone, onJump }: { zone: Zone; onJump: (time: number) => void }) {
  const [text, setText] = useState('');
  const [wrong, setWrong] = useState(false);
  return (
    <form
      className="jump-to"
      onSubmit={(event) => {
        event.preventDefault();
        const time = typedTime(text, zone);
        setWrong(time === null);
        if (time !== null) onJump(time);
      }}
      data-testid="jump-to"
    >
      <label className="field-inline">
        Go to{' '}
        <input
          type="datetime-local"
          step={1}
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={wrong}
          aria-label={`a date and time (${zone === 'utc' ? 'UTC' : 'local time'})`}
          data-testid="jump-to-time"
        />
      </label>
      <button type="submit" className="ghost" disabled={text === ''}>
        Go
      </button>
      {wrong && <span className="muted">not a date and time</span>}
    </form>
  );
}

function FilterCount({ filter }: { filter: EntryFilter }) {
  const count = useApi('countEntries', { filter }, { keepPrevious: true });
  return (
    <div className="results-count filter-count" role="status" data-testid="filter-count">
      {count.error
        ? `the entries could not be counted: ${count.error}`
        : count.data && !count.stale
          ? `${formatCount(count.data.total)} ${count.data.total === 1 ? 'entry' : 'entries'}`
          : 'counting…'}
    </div>
  );
}

export function BrowseView(props: Props) {
  const { filter, errors, searched, zone, reviewedTo, purged, jump, onJump, onRange, onZoomOut, onSelect, onUser, onOpen } = props;
  const [visible, setVisible] = useState<{ from: number; to: number } | null>(null);
  if (errors) {
    return (
      <section className="content">
        <div className="notice notice-error search-errors" id="search-errors" role="alert" data-testid="search-errors">
          <span>
            This search cannot run: {errors.join(' · ')}. Nothing is shown until it is fixed (a part left out would change what it finds).
          </span>
        </div>
      </section>
    );
  }
  const searching = filter.text !== undefined;
  return (
    <>
      <Histogram filter={filter} zone={zone} onRange={onRange} onZoomOut={onZoomOut} visible={searching ? null : visible} />
      <section className="content">
        {props.utcTimes.length > 0 && (
          <p className="notice" role="status" data-testid="utc-times">
            {props.utcTimes.join(', ')}: read as UTC, while the list shows your local time. Give a zone (after:2024-03-01T09:00+01:00) or
            switch the desk to UTC.
          </p>
        )}
        {searching ? (
          <SearchResults
            filter={filter}
            zone={zone}
            onUser={onUser}
            onOpen={onOpen}
            onAllRooms={props.onAllRooms}
            onReports={props.onReports}
            onTagged={props.onTagged}
          />
        ) : (
          <>
            <div className="browse-tools">
              {searched && <FilterCount filter={filter} />}
              <JumpTo zone={zone} onJump={onJump} />
              {jump !== null && (
                <button type="button" className="chip" onClick={() => onJump(null)} title="back to the newest entries">
                  at {formatTime(jump, zone)} ✕
                </button>
              )}
            </div>
            <Timeline
              key={`${JSON.stringify(filter)}#${jump ?? ''}`}
              filter={filter}
              anchorTime={jump}
              zone={zone}
              reviewedTo={reviewedTo}
              emptyText={
                purged
                  ? `Nothing left here: a purge on ${formatTime(purged.at, zone)} removed every entry before ${formatTime(purged.before, zone)}.`
                  : undefined
              }
              onUser={onUser}
              onOpen={onOpen}
              onSelect={onSelect}
              onVisibleRange={setVisible}
            />
          </>
        )}
      </section>
    </>
  );
}
