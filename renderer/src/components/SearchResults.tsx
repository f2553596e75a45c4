// Search hits, newest first, highlighted, a page at a time through every hit (not just the newest
// few hundred), with the exact count, counted apart from the page (shown once known, or why it is
// not). Enter or a click opens a hit in its context. A search made inside a room says so, and
// offers the same search in every room with its count; a word that abuse reports' descriptions
// hold offers those reports. "Tag all" says the exact number first.
import type { EntryFilter, Keyset } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import { searchTerms } from '../../../shared/ftsQuery';
import { useState } from 'react';
import { useApi } from '../data/useApi';
import { useRemembered } from '../data/useNavigation';
import { TagAllDialog } from './TagAllDialog';
import type { BulkAction } from './BulkNotice';
import type { Zone } from '../time';
import { EntryList } from './EntryList';
import { ErrorNotice } from './ErrorNotice';
import { formatCount } from '../numbers';
import { forScreen } from '../../../shared/visibleText';

interface Props {
  filter: EntryFilter;
  zone: Zone;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
  onOpen: (entry: EntryRecord) => void;
  /** Widen a search made inside one room to all rooms. */
  onAllRooms: () => void;
  /** Open the abuse reports whose description holds this text. */
  onReports: (text: string) => void;
  onTagged: (action: BulkAction) => void;
}

const PAGE_SIZES = [200, 1000] as const;
const hits = (n: number) => `${formatCount(n)} ${n === 1 ? 'hit' : 'hits'}`;

/** The one word or phrase a search looks for, if it is one: what report descriptions are searched for. */
function singleTerm(text: string | undefined): string | null {
  const terms = text === undefined ? [] : searchTerms(text);
  return terms.length === 1 && !terms[0]!.negated && terms[0]!.text.length >= 3 ? terms[0]!.text : null;
}

export function SearchResults({ filter, zone, onUser, onOpen, onAllRooms, onReports, onTagged }: Props) {
  const key = JSON.stringify(filter);
  /** The pages gone through: each page after the first starts below the last hit of the one before. */
  const [paging, setPaging] = useRemembered<{ before: Keyset[]; size: number }>(`hits:${key}`, { before: [], size: 200 });
  const page = paging.before.length;
  const first = useApi('search', { filter, limit: paging.size }, { keepPrevious: true });
  const later = useApi(
    'searchPage',
    { filter, before: paging.before.at(-1)!, limit: paging.size },
    { enabled: page > 0, keepPrevious: true },
  );
  const count = useApi('countEntries', { filter }, { keepPrevious: true });
  const inRoom = filter.room !== undefined || filter.inRoom !== undefined;
  const everywhere = useApi(
    'countEntries',
    { filter: { ...filter, room: undefined, inRoom: undefined, domain: undefined } },
    { enabled: inRoom },
  );
  const term = singleTerm(filter.text);
  const reports = useApi('reports', { text: term ?? '' }, { enabled: term !== null });
  const [tagging, setTagging] = useState(false);

  const shown = page === 0 ? first : later;
  if (shown.error) return <ErrorNotice message={shown.error} />;
  if (!shown.data) return <div className="timeline-empty">Searching…</div>;
  const list = shown.data.hits;
  // Exact: the count once known; before that, the first page's own count when it is exact.
  const exact = count.stale ? null : (count.data?.total ?? (first.data && !first.data.capped && page === 0 ? first.data.total : null));
  const more =
    page === 0
      ? exact !== null
        ? exact > list.length
        : (first.data?.capped ?? false) || (first.data?.total ?? 0) > list.length
      : later.data!.more;
  const start = page * paging.size;
  const go = (before: Keyset[]) => setPaging({ ...paging, before });
  const last = list.at(-1);

  return (
    <div className={`results${shown.stale ? ' results-stale' : ''}`} aria-busy={shown.loading} data-testid="search-results">
      <div className="results-head">
        <div className="results-count" role="status">
          <span data-testid="result-count">
            {exact !== null ? hits(exact) : count.error ? 'the hits could not be counted' : 'counting the hits…'}
            {filter.room !== undefined && <> in #{filter.room}</>}
            {filter.inRoom !== undefined && <> in rooms matching “{filter.inRoom}”</>}
            {filter.domain !== undefined && filter.room === undefined && <> in chat domain “{forScreen(filter.domain || 'no domain')}”</>}
          </span>
          {count.error && (
            <span className="muted" title={count.error}>
              {' '}
              ({count.error})
            </span>
          )}
          {list.length > 0 && (
            <span className="muted" data-testid="hits-shown">
              {' '}
              {/* While a page is on its way the list still shows the one before: the range is said once it is in. */}·{' '}
              {shown.stale ? 'the page is on its way…' : `${formatCount(start + 1)}–${formatCount(start + list.length)} shown`}
            </span>
          )}
          {inRoom && everywhere.data && (
            <button type="button" className="ghost results-widen" onClick={onAllRooms} data-testid="search-all-rooms">
              All rooms: {hits(everywhere.data.total)}
            </button>
          )}
          {term && reports.data && reports.data.length > 0 && (
            <button type="button" className="ghost results-widen" onClick={() => onReports(term)} data-testid="search-reports">
              {formatCount(reports.data.length)} abuse {reports.data.length === 1 ? 'report mentions' : 'reports mention'} “{term}” ›
            </button>
          )}
          {exact !== null && exact > 0 && (
            <button type="button" className="ghost results-widen" onClick={() => setTagging(true)} data-testid="tag-all-hits">
              Tag all {hits(exact)}…
            </button>
          )}
        </div>
        <nav className="pager" aria-label="pages of hits">
          <button type="button" onClick={() => go([])} disabled={page === 0} data-testid="hits-newest">
            « Newest
          </button>
          <button type="button" onClick={() => go(paging.before.slice(0, -1))} disabled={page === 0} data-testid="hits-newer">
            ‹ Newer
          </button>
          <span className="muted">page {formatCount(page + 1)}</span>
          <button
            type="button"
            onClick={() => last && go([...paging.before, { timestamp: last.timestamp, id: last.id }])}
            // While a page is on its way the list still shows the one before: its last hit is not where the next page starts.
            disabled={!more || !last || shown.stale}
            data-testid="hits-older"
          >
            Older ›
          </button>
          <label className="field-inline">
            <select
              value={paging.size}
              onChange={(e) => setPaging({ before: [], size: Number(e.target.value) })}
              aria-label="hits a page"
              data-testid="hits-page-size"
            >
              {PAGE_SIZES.map((size) => (
                <option key={size} value={size}>
                  {formatCount(size)} a page
                </option>
              ))}
            </select>
          </label>
        </nav>
      </div>
      {tagging && exact !== null && <TagAllDialog filter={filter} count={exact} onTagged={onTagged} onClose={() => setTagging(false)} />}
      {list.length === 0 ? (
        <div className="timeline-empty">Nothing matches.</div>
      ) : (
        <EntryList
          key={`${key}#${page}`}
          entries={list}
          label="search hits"
          memoryKey={`hits:${key}#${page}`}
          zone={zone}
          onUser={onUser}
          onOpen={onOpen}
          viewFocus
          testId="search-hits"
        />
      )}
    </div>
  );
}
