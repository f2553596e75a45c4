// The moderator's desk: rooms on the left, the current view in the middle (the timeline or search
// hits, an entry in its context, a user), the receiver's status below. Views stack so Esc always
// goes back. Each view reads its own data (data/useApi.ts); this component only holds what the
// moderator chose: the room, the query, the time range, the view.
import { useEffect, useRef, useState } from 'react';
import type { EntryRecord } from '../../shared/entryRecord';
import { parseSearch } from '../../shared/searchQuery';
import { QuarantineDialog } from './components/QuarantineDialog';
import { RoomList } from './components/RoomList';
import { StatusBar } from './components/StatusBar';
import { Timeline } from './components/Timeline';
import { TopBar } from './components/TopBar';
import { ExportPanel, ImportPanel } from './components/TransferPanels';
import { useLiveUpdates } from './data/liveUpdates';
import { useDebounced } from './data/useDebounced';
import { useExport } from './data/useExport';
import { useImport } from './data/useImport';
import { useNavigation, type View } from './data/useNavigation';
import { formatTime, type Zone } from './time';
import { BrowseView } from './views/BrowseView';
import { UserView } from './views/UserView';

const SEARCH_SETTLE_MS = 150;

function useZone() {
  const [zone, setZone] = useState<Zone>(() => (localStorage.getItem('omv.zone') as Zone | null) ?? 'local');
  useEffect(() => localStorage.setItem('omv.zone', zone), [zone]);
  return [zone, setZone] as const;
}

function titleOf(view: View, room: string | undefined, zone: Zone): string {
  if (view.kind === 'context') return `#${view.entry.room} around ${formatTime(view.entry.timestamp, zone)}`;
  if (view.kind === 'user') return 'User activity';
  return room ? `#${room}` : 'All rooms';
}

export function App() {
  useLiveUpdates();
  const [room, setRoom] = useState<string | undefined>();
  const [query, setQuery] = useState('');
  const [range, setRange] = useState<{ from: number; to: number } | null>(null);
  const [zone, setZone] = useZone();
  const [quarantineOpen, setQuarantineOpen] = useState(false);
  const [dragging, setDragging] = useState(false);
  const navigation = useNavigation();
  const imports = useImport();
  const exports = useExport();
  const searchBox = useRef<HTMLInputElement>(null);
  const { view, back, home, open } = navigation;

  const settledQuery = useDebounced(query, SEARCH_SETTLE_MS);
  const parsed = parseSearch(settledQuery, { room, ...(range ?? {}) });
  const errors = query === settledQuery ? parsed.errors : [];
  const filter = parsed.filter;

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (event.key === '/' && !typing && !quarantineOpen) {
        event.preventDefault();
        searchBox.current?.focus();
        searchBox.current?.select();
      } else if (event.key === 'Escape' && !quarantineOpen) {
        if (typing) (event.target as HTMLElement).blur();
        else back();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [quarantineOpen, back]);

  const selectRoom = (name: string | undefined) => {
    setRoom(name);
    home();
  };
  const onOpen = (entry: EntryRecord) => open({ kind: 'context', entry });
  const onUser = (userId: string) => open({ kind: 'user', userId });

  let body: React.ReactNode;
  if (view.kind === 'context') {
    body = (
      <section className="content">
        <Timeline
          key={view.entry.id}
          filter={{ room: view.entry.room }}
          anchorId={view.entry.id}
          zone={zone}
          onUser={onUser}
          onOpen={onOpen}
        />
      </section>
    );
  } else if (view.kind === 'user') {
    body = (
      <section className="content">
        <UserView userId={view.userId} zone={zone} onRoom={selectRoom} onUser={onUser} onOpen={onOpen} />
      </section>
    );
  } else {
    body = (
      <BrowseView
        filter={filter}
        zone={zone}
        onRange={(from, to) => setRange({ from, to })}
        onUser={onUser}
        onOpen={onOpen}
        onAllRooms={() => selectRoom(undefined)}
      />
    );
  }

  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={(event) => {
        event.preventDefault();
        setDragging(false);
        const files = [...event.dataTransfer.files];
        if (files.length) void imports.start(files);
      }}
    >
      <TopBar
        ref={searchBox}
        query={query}
        errors={errors}
        zone={zone}
        onQuery={(text) => {
          setQuery(text);
          home();
        }}
        onZone={setZone}
        onImport={(files) => void imports.start(files)}
        onExport={() => void exports.start(view.kind === 'context' ? { room: view.entry.room } : filter)}
      />

      <RoomList current={room} onSelect={selectRoom} />

      <main className="main">
        <div className="main-head">
          {navigation.canGoBack && (
            <button type="button" className="ghost back" onClick={back} title="back (Esc)">
              ‹ Back
            </button>
          )}
          <h1>{titleOf(view, room, zone)}</h1>
          {range && (
            <button type="button" className="chip" onClick={() => setRange(null)} title="clear the time range">
              {formatTime(range.from, zone)} – {formatTime(range.to, zone)} ✕
            </button>
          )}
        </div>
        {imports.state && <ImportPanel state={imports.state} onDismiss={imports.dismiss} />}
        {exports.state && <ExportPanel state={exports.state} onDismiss={exports.dismiss} />}
        {body}
      </main>

      <StatusBar zone={zone} onQuarantine={() => setQuarantineOpen(true)} />
      {quarantineOpen && <QuarantineDialog zone={zone} onClose={() => setQuarantineOpen(false)} />}
      {dragging && <div className="drop-hint">Drop XML files to import them</div>}
    </div>
  );
}
