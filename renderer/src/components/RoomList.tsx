// The rooms, busiest-recent first, with entry counts and last activity (a room a purge emptied
// says so, and when); filterable. The list is one tab stop: ↑↓, Home and End move among the rooms,
// Enter or Space opens one (roving focus). A room is a name in a chat domain: a name that is a room
// in more than one domain shows each one's domain, and choosing one chooses that domain's room.
import { memo, useDeferredValue, useRef, useState } from 'react';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import { formatTime, relative } from '../time';
import { ErrorNotice } from './ErrorNotice';
import { formatCount } from '../numbers';
import { Name } from './Name';
import { forScreen } from '../../../shared/visibleText';

/** The room list's choice: a room's name and its domain. */
export interface RoomChoice {
  name: string;
  domain: string;
}

interface Props {
  current: RoomChoice | undefined;
  onSelect: (room: RoomChoice | undefined) => void;
}

/** A room's key in the list: its domain and name, which may hold any character (a "/" too). */
const keyOf = (room: { name: string; domainId: string } | RoomChoice) =>
  JSON.stringify(['domainId' in room ? room.domainId : room.domain, room.name]);

/**
 * Drawn again only when its own props or data change: the desk redraws on every key typed in the
 * search box, and a list of 500 rooms is the dearest part of the desk to draw (App passes a stable onSelect).
 */
export const RoomList = memo(function RoomList({ current, onSelect }: Props) {
  const desk = useDesk();
  const [filter, setFilter] = useState('');
  const rooms = useApi('rooms', { filter: useDeferredValue(filter) }, { keepPrevious: true });
  const list = rooms.data ?? [];
  const total = list.reduce((sum, room) => sum + room.entries, 0);
  /** The room the list's tab stop is on: the one chosen, until the arrows move it. */
  const [stop, setStop] = useState<string | null>(null);
  const keys = ['', ...list.map(keyOf)];
  const at = keys.indexOf(stop ?? (current ? keyOf(current) : ''));
  const tabStop = at >= 0 ? at : 0;
  const buttons = useRef<Array<HTMLButtonElement | null>>([]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    const to = {
      ArrowDown: tabStop + 1,
      ArrowUp: tabStop - 1,
      Home: 0,
      End: keys.length - 1,
      PageDown: tabStop + 10,
      PageUp: tabStop - 10,
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(keys.length - 1, to));
    setStop(keys[next]!);
    buttons.current[next]?.focus();
  };

  return (
    <nav className="rooms" aria-label="rooms">
      <input
        className="rooms-filter"
        type="search"
        placeholder="Filter rooms"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        aria-label="filter rooms"
      />
      {rooms.error && <ErrorNotice message={`Rooms could not be listed: ${rooms.error}`} />}
      <ul aria-label="rooms: arrow keys move, Enter opens" data-testid="room-list">
        <li>
          <button
            type="button"
            ref={(el) => {
              buttons.current[0] = el;
            }}
            tabIndex={tabStop === 0 ? 0 : -1}
            className={`room${current === undefined ? ' active' : ''}`}
            aria-current={current === undefined ? 'true' : undefined}
            onClick={() => onSelect(undefined)}
            onKeyDown={onKeyDown}
            onFocus={() => setStop('')}
          >
            <span className="room-name">All rooms</span>
            <span className="room-count">{formatCount(total)}</span>
          </button>
        </li>
        {list.map((room, i) => {
          const chosen = current !== undefined && keyOf(current) === keyOf(room);
          const shared = desk.sharedRoomName(room.name);
          return (
            <li key={keyOf(room)}>
              <button
                type="button"
                ref={(el) => {
                  buttons.current[i + 1] = el;
                }}
                tabIndex={tabStop === i + 1 ? 0 : -1}
                className={`room${chosen ? ' active' : ''}`}
                aria-current={chosen ? 'true' : undefined}
                onClick={() => onSelect({ name: room.name, domain: room.domainId })}
                onKeyDown={onKeyDown}
                onFocus={() => setStop(keyOf(room))}
                title={`${forScreen(room.domainId || 'no domain')} / ${forScreen(desk.showRoom(room.name))}`}
                data-room={desk.showRoom(room.name)}
              >
                <span className="room-name">
                  #<Name text={desk.showRoom(room.name)} />
                </span>
                <span className="room-count">{formatCount(room.entries)}</span>
                <span className="room-last">
                  {shared && (
                    <span className="room-domain" data-testid="room-domain">
                      <Name text={room.domainId || 'no domain'} /> ·{' '}
                    </span>
                  )}
                  {room.entries === 0 && room.purged ? (
                    <span className="room-purged" data-testid="room-purged">
                      purged {formatTime(room.purged.at, 'local').slice(0, 10)}
                    </span>
                  ) : (
                    relative(room.lastActivity)
                  )}
                  {room.unreviewed > 0 && (
                    <span className="room-unreviewed" data-testid="room-unreviewed">
                      {' '}
                      · {formatCount(room.unreviewed)} unreviewed
                    </span>
                  )}
                  {room.alerts > 0 && (
                    <span className="badge badge-alert" data-testid="room-alerts" title="watchlist matches nobody has looked at">
                      {formatCount(room.alerts)} {room.alerts === 1 ? 'alert' : 'alerts'}
                    </span>
                  )}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
});
