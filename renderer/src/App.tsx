// The moderator's desk: rooms on the left, the timeline (or search hits, a context, a user) in the
// middle, the receiver's status below. Views stack so Esc always goes back.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EntryFilter, ImportFileResult } from '../../shared/api';
import type { EntryRecord } from '../../shared/entryRecord';
import { parseSearch } from '../../shared/searchQuery';
import { Histogram } from './components/Histogram';
import { QuarantineDialog } from './components/QuarantineDialog';
import { RoomList } from './components/RoomList';
import { SearchResults } from './components/SearchResults';
import { StatusBar } from './components/StatusBar';
import { Timeline } from './components/Timeline';
import { UserView } from './components/UserView';
import { formatTime, type Zone } from './time';
import { transport } from './transport';

type View = { kind: 'browse' } | { kind: 'context'; entry: EntryRecord } | { kind: 'user'; userId: string };

interface ImportState {
  active: boolean;
  name: string;
  fraction: number;
  entries: number;
  results: ImportFileResult[];
  error?: string;
}

export function App() {
  const [room, setRoom] = useState<string | undefined>();
  const [query, setQuery] = useState('');
  const [range, setRange] = useState<{ from: number; to: number } | null>(null);
  const [stack, setStack] = useState<View[]>([{ kind: 'browse' }]);
  const [zone, setZone] = useState<Zone>(() => (localStorage.getItem('omv.zone') as Zone | null) ?? 'local');
  const [liveTick, setLiveTick] = useState(0);
  const [slowTick, setSlowTick] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [quarantineOpen, setQuarantineOpen] = useState(false);
  const [importState, setImportState] = useState<ImportState | null>(null);
  const [exportState, setExportState] = useState<{ rows: number; done: boolean; error?: string } | null>(null);
  const [dragging, setDragging] = useState(false);
  const searchBox = useRef<HTMLInputElement>(null);
  const filePicker = useRef<HTMLInputElement>(null);

  const parsed = parseSearch(query, { room, ...(range ?? {}) });
  const filter: EntryFilter = parsed.filter;
  const view = stack.at(-1)!;
  const push = (next: View) => setStack((s) => [...s, next]);
  const back = () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));
  const reportError = useCallback((message: string) => setError(message), []);

  useEffect(() => localStorage.setItem('omv.zone', zone), [zone]);

  // Live updates: one event, not polling the table. Bursts are coalesced: cheap views (the
  // timeline's newest page, rooms, status) refresh within 150 ms, costly aggregates (histogram,
  // search counts over millions of entries) at most every 5 s.
  useEffect(() => {
    let fast: ReturnType<typeof setTimeout> | null = null;
    let slow: ReturnType<typeof setTimeout> | null = null;
    return transport.onEvent((event) => {
      if (event.type === 'exportProgress') {
        setExportState({ rows: event.rows, done: event.done, error: event.error });
        return;
      }
      if (event.type === 'importProgress') {
        setImportState(
          (s) =>
            s && { ...s, name: event.name, fraction: event.totalBytes ? event.bytesRead / event.totalBytes : 1, entries: event.entries },
        );
        return;
      }
      fast ??= setTimeout(() => {
        fast = null;
        setLiveTick((t) => t + 1);
      }, 150);
      slow ??= setTimeout(() => {
        slow = null;
        setSlowTick((t) => t + 1);
      }, 5000);
    });
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (event.key === '/' && !typing) {
        event.preventDefault();
        searchBox.current?.focus();
        searchBox.current?.select();
      } else if (event.key === 'Escape') {
        if (quarantineOpen) setQuarantineOpen(false);
        else if (typing) (event.target as HTMLElement).blur();
        else back();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [quarantineOpen]);

  const runImport = async (files: File[] | null) => {
    setImportState({ active: true, name: files?.[0]?.name ?? '', fraction: 0, entries: 0, results: [] });
    try {
      const results = await transport.importFiles(files, (name, sent, total) =>
        setImportState((s) => s && { ...s, name, fraction: total ? (0.5 * sent) / total : 0 }),
      );
      setImportState({ active: false, name: '', fraction: 1, entries: 0, results });
      setLiveTick((t) => t + 1);
      setSlowTick((t) => t + 1);
    } catch (e) {
      setImportState({ active: false, name: '', fraction: 0, entries: 0, results: [], error: (e as Error).message });
    }
  };

  const onDrop = (event: React.DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const files = [...event.dataTransfer.files];
    if (files.length) void runImport(files);
  };

  const selectRoom = (name: string | undefined) => {
    setRoom(name);
    setStack([{ kind: 'browse' }]);
  };
  const openEntry = (entry: EntryRecord) => push({ kind: 'context', entry });
  const openUser = (userId: string) => push({ kind: 'user', userId });
  const searching = filter.text !== undefined;

  let body: React.ReactNode;
  if (view.kind === 'context') {
    body = (
      <Timeline
        key={`context-${view.entry.id}`}
        filter={{ room: view.entry.room }}
        anchorId={view.entry.id}
        zone={zone}
        liveTick={liveTick}
        onUser={openUser}
        onOpen={openEntry}
        onError={reportError}
      />
    );
  } else if (view.kind === 'user') {
    body = <UserView userId={view.userId} zone={zone} onRoom={selectRoom} onUser={openUser} onOpen={openEntry} onError={reportError} />;
  } else if (searching) {
    body = (
      <SearchResults
        filter={filter}
        zone={zone}
        liveTick={slowTick}
        onUser={openUser}
        onOpen={openEntry}
        onError={reportError}
        onAllRooms={() => selectRoom(undefined)}
      />
    );
  } else {
    body = <Timeline filter={filter} zone={zone} liveTick={liveTick} onUser={openUser} onOpen={openEntry} onError={reportError} />;
  }

  const title =
    view.kind === 'context'
      ? `#${view.entry.room} around ${formatTime(view.entry.timestamp, zone)}`
      : view.kind === 'user'
        ? 'User activity'
        : room
          ? `#${room}`
          : 'All rooms';

  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={onDrop}
    >
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
            className={parsed.errors.length ? 'invalid' : ''}
            placeholder='Search   words "phrase" pre*  -not  from:user  in:room  type:join  after:2024-01-01   ( / )'
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setStack([{ kind: 'browse' }]);
            }}
            aria-label="search"
            data-testid="search"
          />
          {parsed.errors.length > 0 && (
            <div className="search-errors" role="status" data-testid="search-errors">
              {parsed.errors.join(' · ')}
            </div>
          )}
        </div>
        <div className="actions">
          <button
            type="button"
            className="ghost"
            onClick={() => setZone(zone === 'utc' ? 'local' : 'utc')}
            title="show times in UTC or local time"
            data-testid="zone-toggle"
          >
            {zone === 'utc' ? 'UTC' : 'Local time'}
          </button>
          <button
            type="button"
            onClick={() => (transport.desktop ? void runImport(null) : filePicker.current?.click())}
            data-testid="import-button"
          >
            Import XML…
          </button>
          <button
            type="button"
            onClick={() =>
              transport.exportCsv(view.kind === 'context' ? { room: view.entry.room } : filter).catch((e: Error) => reportError(e.message))
            }
            data-testid="export-button"
          >
            Export CSV…
          </button>
          <input
            ref={filePicker}
            type="file"
            accept=".xml,text/xml,application/xml"
            multiple
            hidden
            data-testid="file-input"
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              e.target.value = '';
              if (files.length) void runImport(files);
            }}
          />
        </div>
      </header>

      <RoomList current={room} liveTick={liveTick} onSelect={selectRoom} onError={reportError} />

      <main className="main">
        <div className="main-head">
          {stack.length > 1 && (
            <button type="button" className="ghost back" onClick={back} title="back (Esc)">
              ‹ Back
            </button>
          )}
          <h1>{title}</h1>
          {range && (
            <button type="button" className="chip" onClick={() => setRange(null)} title="clear the time range">
              {formatTime(range.from, zone)} – {formatTime(range.to, zone)} ✕
            </button>
          )}
        </div>
        {view.kind === 'browse' && (
          <Histogram filter={filter} zone={zone} liveTick={slowTick} onRange={(from, to) => setRange({ from, to })} />
        )}
        {error && (
          <div className="notice notice-error" role="alert">
            {error}
            <button type="button" className="ghost" onClick={() => setError(null)} aria-label="dismiss">
              ✕
            </button>
          </div>
        )}
        {importState && (
          <div className="notice" data-testid="import-panel">
            {importState.active ? (
              <>
                Importing {importState.name}… {importState.entries ? `${importState.entries.toLocaleString()} entries` : ''}
                <progress max={1} value={importState.fraction} />
              </>
            ) : importState.error ? (
              <>Import failed: {importState.error}</>
            ) : (
              <ul className="import-results" data-testid="import-results">
                {importState.results.map((r) => (
                  <li key={r.name} className={`import-${r.status}`}>
                    <strong>{r.status}</strong> {r.name}
                    {r.status === 'failed'
                      ? `: ${r.error}`
                      : ` — ${r.entries.toLocaleString()} entries, ${r.newEntries.toLocaleString()} new`}
                  </li>
                ))}
              </ul>
            )}
            {!importState.active && (
              <button type="button" className="ghost" onClick={() => setImportState(null)} aria-label="dismiss">
                ✕
              </button>
            )}
          </div>
        )}
        {exportState && (
          <div className="notice" role="status" data-testid="export-panel">
            {exportState.error
              ? `Export stopped: ${exportState.error}`
              : exportState.done
                ? `Exported ${exportState.rows.toLocaleString()} ${exportState.rows === 1 ? 'entry' : 'entries'} to CSV.`
                : `Exporting CSV… ${exportState.rows.toLocaleString()} entries so far`}
            {exportState.done && (
              <button type="button" className="ghost" onClick={() => setExportState(null)} aria-label="dismiss">
                ✕
              </button>
            )}
          </div>
        )}
        <section className="content">{body}</section>
      </main>

      <StatusBar zone={zone} liveTick={liveTick} onQuarantine={() => setQuarantineOpen(true)} />
      {quarantineOpen && (
        <QuarantineDialog zone={zone} onClose={() => setQuarantineOpen(false)} onChanged={() => setLiveTick((t) => t + 1)} />
      )}
      {dragging && <div className="drop-hint">Drop XML files to import them</div>}
    </div>
  );
}
