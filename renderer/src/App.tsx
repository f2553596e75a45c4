// The moderator's desk: rooms on the left, the current view in the middle (the timeline or search
// hits, an entry in its context, a user), the receiver's status below. Views stack so Esc always
// goes back. Each view reads its own data (data/useApi.ts); this component only holds what the
// moderator chose: the room, the query, the time range, the view.
import { useEffect, useRef, useState } from 'react';
import type { EntryFilter } from '../../shared/api';
import type { EntryRecord } from '../../shared/entryRecord';
import { parseSearch } from '../../shared/searchQuery';
import { QuarantineDialog } from './components/QuarantineDialog';
import { RoomList } from './components/RoomList';
import { StatusBar } from './components/StatusBar';
import { Timeline } from './components/Timeline';
import { TagEditor } from './components/TagEditor';
import { TopBar } from './components/TopBar';
import { ErrorNotice } from './components/ErrorNotice';
import { ExportPanel, ImportPanel } from './components/TransferPanels';
import { DeskNav } from './components/DeskNav';
import { ModeratorDialog } from './components/ModeratorDialog';
import { SaveSearchDialog } from './components/SaveSearchDialog';
import { PartBoundary } from './components/PartBoundary';
import { useDesk } from './data/desk';
import { useLiveUpdates } from './data/liveUpdates';
import { useAction } from './data/useAction';
import { useApi } from './data/useApi';
import { useDebounced } from './data/useDebounced';
import { useExport } from './data/useExport';
import { useImport } from './data/useImport';
import { useNavigation, type View } from './data/useNavigation';
import { formatTime, type Zone } from './time';
import { AuditView } from './views/AuditView';
import { BrowseView } from './views/BrowseView';
import { ReportsView } from './views/ReportsView';
import { ReportView } from './views/ReportView';
import { UserView } from './views/UserView';
import { WatchlistView } from './views/WatchlistView';

const SEARCH_SETTLE_MS = 150;

function useZone() {
  const [zone, setZone] = useState<Zone>(() => (localStorage.getItem('omv.zone') as Zone | null) ?? 'local');
  useEffect(() => localStorage.setItem('omv.zone', zone), [zone]);
  return [zone, setZone] as const;
}

function titleOf(view: View, room: string | undefined, zone: Zone): string {
  switch (view.kind) {
    case 'context':
      return `#${view.entry.room} around ${formatTime(view.entry.timestamp, zone)}`;
    case 'user':
      return 'User activity';
    case 'reports':
      return 'Abuse reports';
    case 'report':
      return `Abuse report #${view.id}`;
    case 'watchlist':
      return 'Watchlist';
    case 'audit':
      return 'Audit trail';
    case 'browse':
      return room ? `#${room}` : 'All rooms';
  }
}

export function App() {
  useLiveUpdates();
  const [room, setRoom] = useState<string | undefined>();
  const [query, setQuery] = useState('');
  const [range, setRange] = useState<{ from: number; to: number } | null>(null);
  const [zone, setZone] = useZone();
  const [quarantineOpen, setQuarantineOpen] = useState(false);
  const [savingSearch, setSavingSearch] = useState(false);
  const [reviewingRoom, setReviewingRoom] = useState(false);
  const [moderatorAsked, setModeratorAsked] = useState(false);
  const desk = useDesk();
  const rooms = useApi('rooms', { filter: '' });
  const review = useAction();
  const [dragging, setDragging] = useState(false);
  const navigation = useNavigation();
  const imports = useImport();
  const exports = useExport();
  const searchBox = useRef<HTMLInputElement>(null);
  const { view, back, home, open, openFromMenu } = navigation;
  const roomSummary = room === undefined ? undefined : rooms.data?.find((r) => r.name === room);

  const settledQuery = useDebounced(query, SEARCH_SETTLE_MS);
  const parsed = parseSearch(settledQuery, { room, ...(range ?? {}) });
  const errors = query === settledQuery ? parsed.errors : [];
  const filter = parsed.filter;

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (document.querySelector('dialog[open]')) return; // a dialog has the keys
      if (event.key === '/' && !typing) {
        event.preventDefault();
        searchBox.current?.focus();
        searchBox.current?.select();
      } else if (event.key === 'Escape') {
        if (typing) (event.target as HTMLElement).blur();
        else back();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [back]);

  const selectRoom = (name: string | undefined) => {
    setRoom(name);
    home();
  };
  const onOpen = (entry: EntryRecord) => open({ kind: 'context', entry });
  const onUser = (userId: string) => open({ kind: 'user', userId });

  // What "Export CSV…" takes: the room around an entry in context, the room a report's messages are
  // in (the evidence), else what is on screen.
  const shownReport = useApi('report', { id: view.kind === 'report' ? view.id : 0 }, { enabled: view.kind === 'report' });
  const exportScope = (): { filter: EntryFilter; query?: string } => {
    const inRoom = (name: string) => ({ filter: { room: name }, query: `in:${/\s/.test(name) ? `"${name}"` : name}` });
    if (view.kind === 'context') return inRoom(view.entry.room);
    const reportRoom = view.kind === 'report' ? shownReport.data?.room : null;
    if (reportRoom) return inRoom(reportRoom);
    return { filter, ...(settledQuery.trim() ? { query: settledQuery } : {}) };
  };

  let body: React.ReactNode;
  switch (view.kind) {
    case 'context':
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
      break;
    case 'user':
      body = (
        <section className="content">
          <UserView userId={view.userId} zone={zone} onRoom={selectRoom} onUser={onUser} onOpen={onOpen} />
        </section>
      );
      break;
    case 'reports':
      body = <ReportsView zone={zone} onOpen={(id) => open({ kind: 'report', id })} />;
      break;
    case 'report':
      body = <ReportView id={view.id} zone={zone} onContext={onOpen} onUser={onUser} />;
      break;
    case 'watchlist':
      body = <WatchlistView zone={zone} onUser={onUser} onOpen={onOpen} />;
      break;
    case 'audit':
      body = <AuditView zone={zone} />;
      break;
    case 'browse':
      body = (
        <BrowseView
          filter={filter}
          zone={zone}
          reviewedTo={roomSummary?.reviewedTo ?? null}
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
      <PartBoundary what="The search bar" className="topbar">
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
          onExport={(withReview) => void exports.start({ ...exportScope(), withReview })}
          onSaveSearch={settledQuery.trim() && errors.length === 0 ? () => setSavingSearch(true) : undefined}
        />
      </PartBoundary>

      <aside className="sidebar">
        <PartBoundary what="The desk's places">
          <DeskNav
            current={view.kind}
            onOpen={openFromMenu}
            onSearch={(text) => {
              setQuery(text);
              home();
            }}
          />
        </PartBoundary>
        <PartBoundary what="The rooms">
          <RoomList current={room} onSelect={selectRoom} />
        </PartBoundary>
      </aside>

      <main className="main">
        <div className="main-head">
          {navigation.canGoBack && (
            <button type="button" className="ghost back" onClick={back} title="back (Esc)">
              ‹ Back
            </button>
          )}
          <h1>{titleOf(view, room, zone)}</h1>
          {range && view.kind === 'browse' && (
            <button type="button" className="chip" onClick={() => setRange(null)} title="clear the time range">
              {formatTime(range.from, zone)} – {formatTime(range.to, zone)} ✕
            </button>
          )}
          {view.kind === 'browse' && roomSummary && (
            <span className="review-mark">
              <span className="muted" data-testid="unreviewed-count">
                {roomSummary.unreviewed.toLocaleString()} unreviewed
                {roomSummary.reviewedTo !== null && ` · reviewed up to ${formatTime(roomSummary.reviewedTo, zone)}`}
              </span>
              <button type="button" className="ghost" onClick={() => setReviewingRoom(true)} data-testid="room-review">
                tag / note
              </button>
              <button
                type="button"
                className="ghost"
                onClick={() => void review.run('markReviewed', { room: roomSummary.name, version: roomSummary.reviewVersion })}
                disabled={review.pending || roomSummary.unreviewed === 0}
                data-testid="mark-reviewed"
              >
                Mark reviewed
              </button>
            </span>
          )}
        </div>
        {review.error && <ErrorNotice message={review.error} onDismiss={review.clearError} />}
        {imports.state && <ImportPanel state={imports.state} onDismiss={imports.dismiss} />}
        {exports.state && <ExportPanel state={exports.state} onDismiss={exports.dismiss} />}
        {/* A view that fails says so in its place; Back, a room or a search leaves it, and the rest of the desk keeps working. */}
        <PartBoundary
          what={titleOf(view, room, zone)}
          resetKeys={[view, room, settledQuery, range]}
          onBack={navigation.canGoBack ? back : undefined}
        >
          {body}
        </PartBoundary>
      </main>

      <PartBoundary what="The status bar" className="status">
        <StatusBar zone={zone} onQuarantine={() => setQuarantineOpen(true)} onAlerts={() => openFromMenu({ kind: 'watchlist' })} />
      </PartBoundary>
      {quarantineOpen && <QuarantineDialog zone={zone} onClose={() => setQuarantineOpen(false)} />}
      {savingSearch && <SaveSearchDialog query={settledQuery} onClose={() => setSavingSearch(false)} />}
      {reviewingRoom && roomSummary && (
        <TagEditor
          subject={{ target: 'room', id: roomSummary.id, label: `#${roomSummary.name}` }}
          zone={zone}
          onClose={() => setReviewingRoom(false)}
        />
      )}
      {desk.session?.moderator === null && !moderatorAsked && (
        <ModeratorDialog suggested={desk.session.suggestedModerator} onClose={() => setModeratorAsked(true)} />
      )}
      {dragging && <div className="drop-hint">Drop XML files to import them</div>}
    </div>
  );
}
