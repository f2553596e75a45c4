// The search box (one query language: words, "phrases", prefix*, -not, from: in: type: before:
// after:) and the desk's actions: time zone, import, export.
import { forwardRef, useRef } from 'react';
import type { Zone } from '../time';
import { transport } from '../transport';

interface Props {
  query: string;
  errors: string[];
  zone: Zone;
  onQuery: (text: string) => void;
  onZone: (zone: Zone) => void;
  onImport: (files: File[] | null) => void;
  onExport: () => void;
}

export const TopBar = forwardRef<HTMLInputElement, Props>(function TopBar(
  { query, errors, zone, onQuery, onZone, onImport, onExport },
  searchBox,
) {
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
          placeholder='Search   words "phrase" pre*  -not  from:user  in:room  type:join  after:2024-01-01   ( / )'
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
      <div className="actions">
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
        <button type="button" onClick={onExport} data-testid="export-button">
          Export CSV…
        </button>
      </div>
    </header>
  );
});
