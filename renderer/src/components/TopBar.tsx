// The search box (one query language: words, "phrases", prefix*, -not, from: in: type: before:
// after: tag: has:note status:unreviewed domain:), saving it, and the desk's actions: pseudonyms, time
// zone, import, export (with the review's columns if asked). While an in:ROOM is typed the rooms
// it may mean are offered (↓ to choose, Enter to take); otherwise ↓ or Enter goes into the list.
// What is wrong with a query is said in the view (BrowseView), where the list would be.
import { forwardRef, useRef, useState } from 'react';
import { useApi } from '../data/useApi';
import { useDebounced } from '../data/useDebounced';
import { useDesk } from '../data/desk';
import type { Zone } from '../time';
import { transport } from '../transport';
import { formatCount } from '../numbers';
import { Name } from './Name';

interface Props {
  query: string;
  errors: string[];
  zone: Zone;
  onQuery: (text: string) => void;
  /** ↓ or Enter in the box: into the hits (or the timeline). */
  onEnterList: () => void;
  onZone: (zone: Zone) => void;
  onImport: (files: File[] | null) => void;
  onExport: (withReview: boolean) => void;
  /** Why Export is not offered now (a query that cannot be read), if so. */
  exportBlocked: string | null;
  /** Offered when the query is one worth saving. */
  onSaveSearch?: (() => void) | undefined;
}

/** The in: being typed at the caret: where it starts and ends, and its text so far. */
function roomAtCaret(text: string, caret: number): { start: number; end: number; value: string } | null {
  const match = /(^|\s)(in:)("[^"]*|\S*)$/i.exec(text.slice(0, caret));
  if (!match) return null;
  const start = match.index + match[1]!.length;
  const rest = /^[^\s]*/.exec(text.slice(caret))![0];
  return { start, end: caret + rest.length, value: match[3]!.replace(/^"/, '') };
}

export const TopBar = forwardRef<HTMLInputElement, Props>(function TopBar(
  { query, errors, zone, onQuery, onEnterList, onZone, onImport, onExport, exportBlocked, onSaveSearch },
  searchBox,
) {
  const desk = useDesk();
  const [withReview, setWithReview] = useState(false);
  const [caret, setCaret] = useState(0);
  const [focused, setFocused] = useState(false);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const [active, setActive] = useState(-1);
  const filePicker = useRef<HTMLInputElement>(null);
  const typing = roomAtCaret(query, caret);
  const asked = useDebounced(typing?.value ?? null, 120);
  const suggestions = useApi('roomSuggestions', { text: asked ?? '' }, { enabled: asked !== null && focused, keepPrevious: true });
  const offered = typing && focused && dismissed !== query ? (suggestions.data?.rooms ?? []) : [];
  const open = offered.length > 0;

  const pickFiles = (event: React.ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    if (files.length) onImport(files);
  };
  const take = (name: string) => {
    if (!typing) return;
    const shown = desk.showRoom(name);
    const value = /\s/.test(shown) ? `"${shown}"` : shown;
    const before = `${query.slice(0, typing.start)}in:${value} `;
    onQuery(`${before}${query.slice(typing.end).replace(/^\s+/, '')}`);
    setActive(-1);
    setDismissed(null);
    setCaret(before.length);
  };
  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (open && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      setActive((i) => (event.key === 'ArrowDown' ? Math.min(offered.length - 1, i + 1) : Math.max(-1, i - 1)));
      event.preventDefault();
    } else if (open && event.key === 'Enter' && active >= 0) {
      take(offered[active]!.name);
      event.preventDefault();
    } else if (open && event.key === 'Escape') {
      setDismissed(query);
      setActive(-1);
      event.preventDefault();
      event.stopPropagation();
    } else if (event.key === 'ArrowDown' || event.key === 'Enter') {
      event.preventDefault();
      onEnterList();
    }
  };
  const caretOf = (event: React.SyntheticEvent<HTMLInputElement>) => setCaret(event.currentTarget.selectionStart ?? 0);

  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ◆
        </span>{' '}
        Offline Message Viewer
      </div>
      <div className="search">
        <input
          ref={searchBox}
          type="search"
          id="skip-search"
          className={errors.length ? 'invalid' : ''}
          placeholder='Search   words "phrase" pre*  -not  from:user  in:room  domain:id  type:join  after:2024-01-01  tag:spam  has:note  status:unreviewed   ( / )'
          value={query}
          onChange={(e) => {
            onQuery(e.target.value);
            caretOf(e);
            setActive(-1);
          }}
          onSelect={caretOf}
          onKeyDown={onKeyDown}
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
          role="combobox"
          aria-label="search"
          aria-expanded={open}
          aria-controls="room-suggestions"
          aria-autocomplete="list"
          aria-activedescendant={open && active >= 0 ? `room-suggestion-${active}` : undefined}
          aria-invalid={errors.length > 0}
          aria-describedby={errors.length ? 'search-errors' : undefined}
          data-testid="search"
        />
        <ul
          className="suggestions"
          id="room-suggestions"
          role="listbox"
          aria-label="rooms in: may mean"
          hidden={!open}
          data-testid="room-suggestions"
        >
          {offered.map((room, i) => (
            <li
              key={room.name}
              id={`room-suggestion-${i}`}
              role="option"
              aria-selected={i === active}
              className={`suggestion${i === active ? ' active' : ''}${room.taken ? ' taken' : ''}`}
              // mousedown: before the box loses focus (and the list with it)
              onMouseDown={(event) => {
                event.preventDefault();
                take(room.name);
              }}
            >
              <span className="suggestion-name">
                #<Name text={desk.showRoom(room.name)} />
              </span>
              <span className="muted">{formatCount(room.entries)}</span>
            </li>
          ))}
          {suggestions.data && suggestions.data.total > offered.length && open && (
            <li className="suggestion muted" role="presentation">
              {formatCount(suggestions.data.total - offered.length)} more: type more of the name
            </li>
          )}
        </ul>
      </div>
      {onSaveSearch && (
        <button type="button" className="ghost" onClick={onSaveSearch} data-testid="save-search">
          Save search
        </button>
      )}
      <div className="actions">
        <button
          type="button"
          className={`ghost${desk.pseudonymise ? ' toggled' : ''}`}
          aria-pressed={desk.pseudonymise}
          onClick={() => desk.setPseudonymise(!desk.pseudonymise)}
          title="show user IDs as pseudonyms (stable for this database), for screen-sharing and training; exports then carry pseudonyms too"
          data-testid="pseudonymise"
        >
          Pseudonyms
        </button>
        <button
          type="button"
          className="ghost"
          onClick={() => onZone(zone === 'utc' ? 'local' : 'utc')}
          title="show times in UTC or local time"
          data-testid="zone-toggle"
        >
          {zone === 'utc' ? 'UTC' : 'Local time'}
        </button>
        {/* Import and export are offered to a role that may use them (a moderator on a team server may not). */}
        {desk.may('import') && (
          <>
            <button
              type="button"
              onClick={() => (transport.desktop ? onImport(null) : filePicker.current?.click())}
              data-testid="import-button"
            >
              Import XML…
            </button>
            <input
              ref={filePicker}
              type="file"
              accept=".xml,text/xml,application/xml"
              multiple
              hidden
              aria-label="XML files to import"
              data-testid="file-input"
              onChange={pickFiles}
            />
          </>
        )}
        {desk.may('export') && (
          <span className="export-group">
            <button
              type="button"
              onClick={() => onExport(withReview)}
              disabled={exportBlocked !== null}
              title={
                exportBlocked ?? (desk.pseudonymise ? 'the file names users by their pseudonyms' : 'the file names users by their IDs')
              }
              data-testid="export-button"
            >
              Export CSV…
            </button>
            <label className="field-inline" title="add the columns tags, notes and review_status">
              <input
                type="checkbox"
                checked={withReview}
                onChange={(e) => setWithReview(e.target.checked)}
                data-testid="export-with-review"
              />{' '}
              with review
            </label>
          </span>
        )}
      </div>
    </header>
  );
});
