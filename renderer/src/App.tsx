// The moderator's desk: rooms on the left, the current view in the middle (the timeline or search
// hits, an entry in its context, a user), the receiver's status below. Views stack so Esc always
// goes back, each remembering where it was. Each view reads its own data (data/useApi.ts); this
// component only holds what the moderator chose: the room, the query, the time range (a stack:
// zoom out is one step back), a moment to jump to, the stack of views, and the last wide action
// (a "tag all", a review mark) with its undo. Skip links lead to the search, the list and the
// chart; every move between views puts focus on the new view (focusView.ts).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EntryFilter } from '../../shared/api';
import type { EntryRecord } from '../../shared/entryRecord';
import { parseSearch, zonelessTimes } from '../../shared/searchQuery';
import { QuarantineDialog } from './components/QuarantineDialog';
import { RoomList, type RoomChoice } from './components/RoomList';
import { StatusBar } from './components/StatusBar';
import { Timeline } from './components/Timeline';
import { TagEditor } from './components/TagEditor';
import { TopBar } from './components/TopBar';
import { ExportPanel, ImportPanel } from './components/TransferPanels';
import { DeskNav } from './components/DeskNav';
import { ModeratorDialog } from './components/ModeratorDialog';
import { SaveSearchDialog } from './components/SaveSearchDialog';
import { PartBoundary } from './components/PartBoundary';
import { MarkReviewedDialog } from './components/MarkReviewedDialog';
import { BulkNotice, type BulkAction } from './components/BulkNotice';
import { useDesk, type Desk } from './data/desk';
import { useLiveUpdates } from './data/liveUpdates';
import { useApi } from './data/useApi';
import { useDebounced } from './data/useDebounced';
import { useExport } from './data/useExport';
import { useImport } from './data/useImport';
import { useNavigation, ViewMemory, type View } from './data/useNavigation';
import { focusView, skipTo } from './focusView';
import { formatTime, type Zone } from './time';
import { api } from './transport';
import { AuditView } from './views/AuditView';
import { BrowseView } from './views/BrowseView';
import { ReportsView } from './views/ReportsView';
import { ReportView } from './views/ReportView';
import { SnapshotsView, SnapshotView } from './views/SnapshotsView';
import { UserView } from './views/UserView';
import { WatchlistView } from './views/WatchlistView';
import { formatCount } from './numbers';
import { Name } from './components/Name';
import { forScreen } from '../../shared/visibleText';

const SEARCH_SETTLE_MS = 150;

function useZone() {
  const [zone, setZone] = useState<Zone>(() => (localStorage.getItem('omv.zone') as Zone | null) ?? 'local');
  useEffect(() => localStorage.setItem('omv.zone', zone), [zone]);
  return [zone, setZone] as const;
}

/** A room as a heading names it: with its domain when the name is a room in another domain too. */
function roomTitle(name: string, domain: string, desk: Pick<Desk, 'showRoom' | 'sharedRoomName'>): string {
  return `#${forScreen(desk.showRoom(name))}${desk.sharedRoomName(name) ? ` · ${forScreen(domain || 'no domain')}` : ''}`;
}

function titleOf(view: View, room: RoomChoice | undefined, zone: Zone, desk: Pick<Desk, 'showRoom' | 'sharedRoomName'>): string {
  switch (view.kind) {
    case 'context':
      return `${roomTitle(view.entry.room, view.entry.domainId, desk)} around ${formatTime(view.entry.timestamp, zone)}`;
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
    case 'snapshots':
      return 'Connection lists';
    case 'snapshot':
      return view.snapshot === 'rooms' ? `Room roster #${view.id}` : `Connection list #${view.id}`;
    case 'browse':
      return room ? roomTitle(room.name, room.domain, desk) : 'All rooms';
  }
}

/** Views whose first item is a list that takes focus once drawn; the others focus their heading. */
const LIST_VIEWS: ReadonlySet<View['kind']> = new Set(['browse', 'context', 'reports']);

export function App() {
  useLiveUpdates();
  const desk = useDesk();
  const [room, setRoom] = useState<RoomChoice | undefined>();
  /** The search box's text as typed, and whether pseudonyms were on then; `query` is what it means. */
  const [typed, setTyped] = useState({ text: '', pseudonyms: desk.pseudonymise });
  /** The time ranges zoomed into, the current one last: zooming out is one step back. */
  const [ranges, setRanges] = useState<Array<{ from: number; to: number }>>([]);
  const range = ranges.at(-1) ?? null;
  /** A moment the timeline opens at (jump to a date, the time scrollbar). */
  const [jump, setJump] = useState<number | null>(null);
  const [selected, setSelected] = useState<EntryRecord | null>(null);
  const [zone, setZone] = useZone();
  const [quarantineOpen, setQuarantineOpen] = useState(false);
  const [savingSearch, setSavingSearch] = useState(false);
  const [reviewingRoom, setReviewingRoom] = useState(false);
  const [markingRoom, setMarkingRoom] = useState(false);
  const [lastBulk, setLastBulkState] = useState<{ action: BulkAction; n: number } | null>(null);
  /** Each wide action gets a notice of its own (a second mark after an undo is not the undone one). */
  const setLastBulk = (action: BulkAction | null) => setLastBulkState((now) => (action ? { action, n: (now?.n ?? 0) + 1 } : null));
  const [moderatorAsked, setModeratorAsked] = useState(false);
  const rooms = useApi('rooms', { filter: '' });
  const [dragging, setDragging] = useState(false);
  const navigation = useNavigation();
  const imports = useImport();
  const exports = useExport();
  const searchBox = useRef<HTMLInputElement>(null);
  const mainRef = useRef<HTMLElement>(null);
  const { view, back, home, homeAndFocus, open, openFromMenu } = navigation;
  const roomSummary = room === undefined ? undefined : rooms.data?.find((r) => r.name === room.name && r.domainId === room.domain);

  // The pseudonym switch changes how the box shows the same query, not the query.
  const { pseudonymise, showQuery, realQuery, unknownPseudonyms, learnPseudonyms } = desk;
  const query = realQuery(typed.text);
  const shownQuery = typed.pseudonyms === pseudonymise ? typed.text : pseudonymise ? showQuery(query) : query;
  const settledQuery = useDebounced(query, SEARCH_SETTLE_MS);
  const parsed = parseSearch(settledQuery, { ...(room ? { room: room.name, domain: room.domain } : {}), ...(range ?? {}) });
  const errors = query === settledQuery ? parsed.errors : [];
  // A query with a part that cannot be read runs not at all: not the list, not the chart, not an export.
  const blocked = parsed.errors.length > 0;
  const filter = parsed.filter;

  // A pseudonym typed that this desk never showed: main says whose it is.
  useEffect(() => {
    const unknown = unknownPseudonyms(typed.text);
    if (unknown.length === 0) return;
    const timer = setTimeout(() => void api.resolvePseudonyms({ names: unknown }).then(learnPseudonyms, () => {}), SEARCH_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [typed, unknownPseudonyms, learnPseudonyms]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing =
        event.target instanceof HTMLInputElement ||
        event.target instanceof HTMLTextAreaElement ||
        event.target instanceof HTMLSelectElement;
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

  // Every move between views puts focus on the new view: its list once drawn, or its heading.
  const handled = useRef(0);
  useEffect(() => {
    if (navigation.focusRequest === handled.current || !mainRef.current) return;
    handled.current = navigation.focusRequest;
    return focusView(mainRef.current, LIST_VIEWS.has(view.kind));
  }, [navigation.focusRequest, view.kind]);

  const newSearch = (text: string) => {
    setTyped({ text, pseudonyms: pseudonymise });
    setJump(null);
    home();
  };
  /** A query from elsewhere (a saved search, a link): shown as the desk shows it. */
  const setSearch = (text: string) => newSearch(showQuery(text));
  // Stable, so the room list (memoised) is not drawn again on every key typed.
  const selectRoom = useCallback(
    (choice: RoomChoice | undefined) => {
      setRoom(choice);
      setRanges([]);
      setJump(null);
      setSelected(null);
      homeAndFocus();
    },
    [homeAndFocus],
  );
  const onOpen = (entry: EntryRecord) => open({ kind: 'context', entry });
  const onUser = (userId: string, domain?: string) => open({ kind: 'user', userId, ...(domain === undefined ? {} : { domain }) });

  // What "Export CSV…" takes: the room around an entry in context, the room a report's messages are
  // in (the evidence), else what is on screen.
  const shownReport = useApi('report', { id: view.kind === 'report' ? view.id : 0 }, { enabled: view.kind === 'report' });
  const exportScope = (): { filter: EntryFilter; query?: string } => {
    const inRoom = (name: string, domain: string) => ({
      filter: { room: name, domain },
      query: `in:${/\s/.test(name) ? `"${name}"` : name}`,
    });
    if (view.kind === 'context') return inRoom(view.entry.room, view.entry.domainId);
    const report = view.kind === 'report' ? shownReport.data : null;
    if (report?.room) return inRoom(report.room, report.domainId);
    return { filter, ...(settledQuery.trim() ? { query: settledQuery } : {}) };
  };
  const exportBlocked = view.kind === 'browse' && blocked ? 'the search has a part that cannot be read: fix it first' : null;

  let body: React.ReactNode;
  switch (view.kind) {
    case 'context':
      body = (
        <section className="content">
          <Timeline
            key={view.entry.id}
            filter={{ room: view.entry.room, domain: view.entry.domainId }}
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
        <UserView
          userId={view.userId}
          domain={view.domain}
          zone={zone}
          onRoom={selectRoom}
          onUser={onUser}
          onOpen={onOpen}
          onReport={(id) => open({ kind: 'report', id })}
        />
      );
      break;
    case 'reports':
      body = <ReportsView zone={zone} initialText={view.text} onOpen={(id) => open({ kind: 'report', id })} />;
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
    case 'snapshots':
      body = <SnapshotsView zone={zone} onOpen={(snapshot, id) => open({ kind: 'snapshot', snapshot, id })} />;
      break;
    case 'snapshot':
      body = <SnapshotView kind={view.snapshot} id={view.id} zone={zone} onUser={onUser} onRoom={selectRoom} />;
      break;
    case 'browse':
      body = (
        <BrowseView
          filter={filter}
          errors={blocked ? parsed.errors : null}
          searched={settledQuery.trim() !== ''}
          utcTimes={zone === 'local' && new Date().getTimezoneOffset() !== 0 ? zonelessTimes(settledQuery) : []}
          zone={zone}
          reviewedTo={roomSummary?.reviewedTo ?? null}
          purged={roomSummary?.entries === 0 ? roomSummary.purged : null}
          jump={jump}
          onJump={setJump}
          onRange={(from, to) => {
            setRanges((stack) => [...stack, { from, to }]);
            setJump(null);
          }}
          onZoomOut={ranges.length > 0 ? () => setRanges((stack) => stack.slice(0, -1)) : undefined}
          onSelect={setSelected}
          onUser={onUser}
          onOpen={onOpen}
          onAllRooms={() => selectRoom(undefined)}
          onReports={(text) => open({ kind: 'reports', text })}
          onTagged={setLastBulk}
        />
      );
  }

  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        // Files dropped are imported: offered to a role that may import.
        if (!desk.may('import')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={(event) => {
        event.preventDefault();
        setDragging(false);
        const files = [...event.dataTransfer.files];
        if (files.length && desk.may('import')) void imports.start(files);
      }}
    >
      <nav className="skip-links" aria-label="skip links">
        {(['search', 'list', 'chart'] as const)
          .filter((target) => target !== 'chart' || view.kind === 'browse')
          .map((target) => (
            <a
              key={target}
              href={`#skip-${target}`}
              onClick={(event) => {
                event.preventDefault();
                skipTo(target);
              }}
              data-testid={`skip-${target}`}
            >
              Skip to {target}
            </a>
          ))}
      </nav>
      <PartBoundary what="The search bar" className="topbar">
        <TopBar
          ref={searchBox}
          query={shownQuery}
          errors={errors}
          zone={zone}
          onQuery={newSearch}
          onEnterList={() => skipTo('list')}
          onZone={setZone}
          onImport={(files) => void imports.start(files)}
          onExport={(withReview) => void exports.start({ ...exportScope(), withReview, pseudonymous: pseudonymise })}
          exportBlocked={exportBlocked}
          onSaveSearch={settledQuery.trim() && !blocked ? () => setSavingSearch(true) : undefined}
        />
      </PartBoundary>

      <aside className="sidebar">
        <PartBoundary what="The desk's places">
          <DeskNav current={view.kind} onOpen={openFromMenu} onSearch={setSearch} />
        </PartBoundary>
        <PartBoundary what="The rooms">
          <RoomList current={room} onSelect={selectRoom} />
        </PartBoundary>
      </aside>

      <main className="main" ref={mainRef}>
        <div className="main-head">
          {navigation.canGoBack && (
            <button type="button" className="ghost back" onClick={back} title="back (Esc)" data-testid="back">
              ‹ Back
            </button>
          )}
          <h1 id="view-title" tabIndex={-1}>
            {titleOf(view, room, zone, desk)}
          </h1>
          {range && view.kind === 'browse' && (
            <span className="range-controls">
              <button type="button" className="chip" onClick={() => setRanges([])} title="clear the time range" data-testid="range-clear">
                {formatTime(range.from, zone)} – {formatTime(range.to, zone)} ✕
              </button>
              <button
                type="button"
                className="ghost"
                onClick={() => setRanges((stack) => stack.slice(0, -1))}
                title="back to the range before this zoom"
                data-testid="zoom-out"
              >
                Zoom out
              </button>
            </span>
          )}
          {view.kind === 'browse' && roomSummary && (
            <span className="review-mark">
              <span className="muted" data-testid="unreviewed-count">
                {formatCount(roomSummary.unreviewed)} unreviewed
                {roomSummary.reviewedTo !== null && ` · reviewed up to ${formatTime(roomSummary.reviewedTo, zone)}`}
              </span>
              <button type="button" className="ghost" onClick={() => setReviewingRoom(true)} data-testid="room-review">
                tag / note
              </button>
              {/* A wide action: it opens a dialog that says up to where, and nothing is marked before it is confirmed there. */}
              <button
                type="button"
                className="ghost"
                onClick={() => setMarkingRoom(true)}
                disabled={roomSummary.unreviewed === 0}
                data-testid="mark-reviewed"
              >
                Mark reviewed…
              </button>
            </span>
          )}
        </div>
        {lastBulk && <BulkNotice key={lastBulk.n} action={lastBulk.action} zone={zone} onDone={() => setLastBulk(null)} />}
        {imports.state && <ImportPanel state={imports.state} onDismiss={imports.dismiss} />}
        {exports.state && <ExportPanel state={exports.state} onDismiss={exports.dismiss} />}
        {/* A view that fails says so in its place; Back, a room or a search leaves it, and the rest of the desk keeps working. */}
        <PartBoundary
          what={titleOf(view, room, zone, desk)}
          resetKeys={[view, room, settledQuery, range]}
          onBack={navigation.canGoBack ? back : undefined}
        >
          <ViewMemory.Provider value={navigation.memory}>{body}</ViewMemory.Provider>
        </PartBoundary>
      </main>

      <PartBoundary what="The status bar" className="status">
        <StatusBar zone={zone} onQuarantine={() => setQuarantineOpen(true)} onAlerts={() => openFromMenu({ kind: 'watchlist' })} />
      </PartBoundary>
      {quarantineOpen && <QuarantineDialog zone={zone} onClose={() => setQuarantineOpen(false)} />}
      {savingSearch && <SaveSearchDialog query={settledQuery} onClose={() => setSavingSearch(false)} />}
      {reviewingRoom && roomSummary && (
        <TagEditor
          subject={{
            target: 'room',
            id: roomSummary.id,
            label: (
              <>
                #<Name text={desk.showRoom(roomSummary.name)} />
              </>
            ),
          }}
          zone={zone}
          onClose={() => setReviewingRoom(false)}
        />
      )}
      {markingRoom && roomSummary && (
        <MarkReviewedDialog
          room={roomSummary}
          range={range}
          selected={selected && selected.room === roomSummary.name && selected.domainId === roomSummary.domainId ? selected : null}
          zone={zone}
          onMarked={(mark) => setLastBulk({ kind: 'review', room: roomSummary.name, domain: roomSummary.domainId, upTo: mark })}
          onClose={() => setMarkingRoom(false)}
        />
      )}
      {desk.session?.moderator === null && !moderatorAsked && (
        <ModeratorDialog suggested={desk.session.suggestedModerator} onClose={() => setModeratorAsked(true)} />
      )}
      {dragging && <div className="drop-hint">Drop XML files to import them</div>}
    </div>
  );
}
