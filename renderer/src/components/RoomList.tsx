// The rooms, busiest-recent first, with entry counts and last activity; filterable.
import { useEffect, useState } from 'react';
import type { RoomSummary } from '../../../shared/api';
import { api } from '../transport';
import { relative } from '../time';

interface Props {
  current: string | undefined;
  liveTick: number;
  onSelect: (room: string | undefined) => void;
  onError: (message: string) => void;
}

export function RoomList({ current, liveTick, onSelect, onError }: Props) {
  const [rooms, setRooms] = useState<RoomSummary[]>([]);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    const timer = setTimeout(() => {
      api.rooms({ filter }).then(setRooms, (error: Error) => onError(error.message));
    }, 120);
    return () => clearTimeout(timer);
    // keyed on the listed values only (the filter by its JSON, callbacks are stable)
  }, [filter, liveTick]);

  const total = rooms.reduce((sum, room) => sum + room.entries, 0);
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
      <ul>
        <li>
          <button type="button" className={`room${current === undefined ? ' active' : ''}`} onClick={() => onSelect(undefined)}>
            <span className="room-name">All rooms</span>
            <span className="room-count">{total.toLocaleString()}</span>
          </button>
        </li>
        {rooms.map((room) => (
          <li key={`${room.domainId}/${room.name}`}>
            <button
              type="button"
              className={`room${current === room.name ? ' active' : ''}`}
              onClick={() => onSelect(room.name)}
              title={`${room.domainId || 'no domain'} / ${room.name}`}
              data-room={room.name}
            >
              <span className="room-name">#{room.name}</span>
              <span className="room-count">{room.entries.toLocaleString()}</span>
              <span className="room-last">{relative(room.lastActivity)}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
