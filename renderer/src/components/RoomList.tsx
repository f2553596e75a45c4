// The rooms, busiest-recent first, with entry counts and last activity; filterable.
import { useDeferredValue, useState } from 'react';
import { useApi } from '../data/useApi';
import { relative } from '../time';
import { ErrorNotice } from './ErrorNotice';

interface Props {
  current: string | undefined;
  onSelect: (room: string | undefined) => void;
}

export function RoomList({ current, onSelect }: Props) {
  const [filter, setFilter] = useState('');
  const rooms = useApi('rooms', { filter: useDeferredValue(filter) }, { keepPrevious: true });
  const list = rooms.data ?? [];
  const total = list.reduce((sum, room) => sum + room.entries, 0);
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
      <ul>
        <li>
          <button type="button" className={`room${current === undefined ? ' active' : ''}`} onClick={() => onSelect(undefined)}>
            <span className="room-name">All rooms</span>
            <span className="room-count">{total.toLocaleString()}</span>
          </button>
        </li>
        {list.map((room) => (
          <li key={`${room.domainId}/${room.name}`}>
            <button
              type="button"
              className={`room${current === room.name ? ' active' : ''}`}
              aria-current={current === room.name ? 'true' : undefined}
              onClick={() => onSelect(room.name)}
              title={`${room.domainId || 'no domain'} / ${room.name}`}
              data-room={room.name}
            >
              <span className="room-name">#{room.name}</span>
              <span className="room-count">{room.entries.toLocaleString()}</span>
              <span className="room-last">
                {relative(room.lastActivity)}
                {room.unreviewed > 0 && (
                  <span className="room-unreviewed" data-testid="room-unreviewed">
                    {' '}
                    · {room.unreviewed.toLocaleString()} unreviewed
                  </span>
                )}
                {room.alerts > 0 && (
                  <span className="badge badge-alert" data-testid="room-alerts" title="watchlist matches nobody has looked at">
                    {room.alerts.toLocaleString()} {room.alerts === 1 ? 'alert' : 'alerts'}
                  </span>
                )}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
