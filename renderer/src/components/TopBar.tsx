// The search box (one query language: words, "phrases", prefix*, -not, from: in: type: before:
// after: tag: has:note status:unreviewed), saving it, and the desk's actions: pseudonyms, time
// zone, import, export (with the review's columns if asked).
import { forwardRef, useRef, useState } from 'react';
import { useDesk } from '../data/desk';
import type { Zone } from '../time';
import { transport } from '../transport';

interface Props {
  query: string;
  errors: string[];
  zone: Zone;
  onQuery: (text: string) => void;
  onZone: (zone: Zone) => void;
  onImport: (files: File[] | null) => void;
  onExport: (withReview: boolean) => void;
  /** Offered when the query is one worth saving. */
  onSaveSearch?: (() => void) | undefined;
}

export const TopBar = forwardRef<HTMLInputElement, Props>(function TopBar(
  { query, errors, zone, onQuery, onZone, onImport, onExport, onSaveSearch },
  searchBox,
) {
  const desk = useDesk();
  const [withReview, setWithReview] = useState(false);
  const filePicker = useRef<HTMLInputElement>(null);
  const pickFiles = (event: React.ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    if (files.length) onImport(files);
  };
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
          className={errors.length ? 'invalid' : ''}
          placeholder='Search   words "phrase" pre*  -not  from:user  in:room  type:join  after:2024-01-01  tag:spam  has:note  status:unreviewed   ( / )'
          value={query}
          onChange={(e) => onQuery(e.target.value)}
          aria-label="search"
          aria-invalid={errors.length > 0}
          aria-describedby={errors.length ? 'search-errors' : undefined}
          data-testid="search"
        />
        {errors.length > 0 && (
          <div className="search-errors" id="search-errors" role="status" data-testid="search-errors">
            {errors.join(' · ')}
          </div>
        )}
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
          title="show user IDs as pseudonyms (stable for this database), for screen-sharing and training"
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
        <span className="export-group">
          <button type="button" onClick={() => onExport(withReview)} data-testid="export-button">
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
      </div>
    </header>
  );
});
