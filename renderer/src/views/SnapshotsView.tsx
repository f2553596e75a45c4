// The connection lists the vendor sends, as they came: the chat's room rosters (who was in each
// room) and the instant messenger's connection lists (who was connected to whom), newest first,
// a hundred at a time; one opens whole, each room with its people, each person their activity.
import { useState } from 'react';
import type { ConnectionSnapshotSummary } from '../../../shared/review';
import { ErrorNotice } from '../components/ErrorNotice';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import { formatTime, type Zone } from '../time';
import { formatCount } from '../numbers';
import { Name } from '../components/Name';
import type { RoomChoice } from '../components/RoomList';
import { forScreen } from '../../../shared/visibleText';

export function SnapshotsView({ zone, onOpen }: { zone: Zone; onOpen: (kind: 'rooms' | 'connections', id: number) => void }) {
  const [before, setBefore] = useState<number[]>([]);
  const list = useApi('connectionSnapshots', { ...(before.length ? { before: before.at(-1)! } : {}), limit: 100 }, { keepPrevious: true });
  const describe = (s: ConnectionSnapshotSummary) =>
    s.kind === 'rooms'
      ? `room roster: ${formatCount(s.rooms)} ${s.rooms === 1 ? 'room' : 'rooms'}, ${formatCount(s.users)} ${s.users === 1 ? 'person' : 'people'}`
      : `connection list${s.server ? ` from ${s.server}` : ''}: ${formatCount(s.connections)} ${s.connections === 1 ? 'connection' : 'connections'}`;
  return (
    <div className="review-view" data-testid="snapshots-view">
      <p className="muted">
        What the vendor's sendConnectionList sends: the chat's room rosters and the instant messenger's connection lists, as they arrived.
        “Who was there” on an entry reads them.
      </p>
      {list.error && <ErrorNotice message={list.error} />}
      {list.data?.snapshots.length === 0 && <p className="timeline-empty">No connection lists received yet.</p>}
      <div className="results">
        <ul className="report-list snapshot-list">
          {list.data?.snapshots.map((s) => (
            <li key={`${s.kind}-${s.id}`}>
              <button type="button" className="report-row" onClick={() => onOpen(s.kind, s.id)} data-snapshot={`${s.kind}-${s.id}`}>
                <span className="muted">{formatTime(s.takenAt, zone)}</span>
                <span>{describe(s)}</span>
                <span className="muted">{s.domainId || 'no domain'}</span>
              </button>
            </li>
          ))}
        </ul>
      </div>
      <nav className="pager" aria-label="older connection lists">
        <button type="button" onClick={() => setBefore(before.slice(0, -1))} disabled={before.length === 0}>
          ‹ Newer
        </button>
        <button
          type="button"
          onClick={() => list.data && setBefore([...before, list.data.snapshots.at(-1)!.takenAt])}
          disabled={!list.data?.more}
        >
          Older ›
        </button>
      </nav>
    </div>
  );
}

interface SnapshotProps {
  kind: 'rooms' | 'connections';
  id: number;
  zone: Zone;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
  onRoom: (room: RoomChoice) => void;
}

export function SnapshotView({ kind, id, zone, onUser, onRoom }: SnapshotProps) {
  const desk = useDesk();
  const snapshot = useApi('connectionSnapshot', { kind, id });
  if (snapshot.error) return <ErrorNotice message={snapshot.error} />;
  const data = snapshot.data;
  if (!data) return <div className="timeline-empty">Loading…</div>;
  const person = (userId: string) => (
    <button key={userId} type="button" className="chip" onClick={() => onUser(userId, data.domainId)}>
      <Name text={desk.showUser(userId)} />
    </button>
  );
  return (
    <div className="review-view" data-testid="snapshot-view">
      <p className="muted">
        Received {formatTime(data.takenAt, zone)} · {forScreen(data.domainId || 'no domain')}
        {data.kind === 'connections' && data.server ? ` · server ${forScreen(data.server)}` : ''}
      </p>
      <div className="results snapshot-body">
        {data.kind === 'rooms' ? (
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">room</th>
                <th scope="col">people</th>
                <th scope="col">who</th>
              </tr>
            </thead>
            <tbody>
              {data.rooms.map((room) => (
                <tr key={room.name}>
                  <td>
                    <button type="button" className="linkish" onClick={() => onRoom({ name: room.name, domain: data.domainId })}>
                      #<Name text={desk.showRoom(room.name)} />
                    </button>
                  </td>
                  <td>{formatCount(room.userCount)}</td>
                  <td>
                    <div className="snapshot-people">
                      {room.users.length ? room.users.map(person) : <span className="muted">nobody</span>}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">from</th>
                <th scope="col">to</th>
              </tr>
            </thead>
            <tbody>
              {data.connections.map((c, i) => (
                <tr key={i}>
                  <td>
                    {c.fromKind === 's' ? (
                      <span title="a session">
                        session <Name text={c.from} />
                      </span>
                    ) : (
                      person(c.from)
                    )}
                  </td>
                  <td>{person(c.to)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
