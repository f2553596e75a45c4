// Everything one user did: first and last seen, the rooms they were in, their recent entries.
import { useEffect, useState } from 'react';
import type { UserActivity } from '../../../shared/api';
import { api } from '../transport';
import { formatTime, type Zone } from '../time';
import { EntryRow } from './EntryRow';
import type { EntryRecord } from '../../../shared/entryRecord';

interface Props {
  userId: string;
  zone: Zone;
  onRoom: (room: string) => void;
  onUser: (userId: string) => void;
  onOpen: (entry: EntryRecord) => void;
  onError: (message: string) => void;
}

export function UserView({ userId, zone, onRoom, onUser, onOpen, onError }: Props) {
  const [activity, setActivity] = useState<UserActivity | null>(null);
  useEffect(() => {
    api.userActivity({ userId }).then(setActivity, (error: Error) => onError(error.message));
    // keyed on the listed values only (the filter by its JSON, callbacks are stable)
  }, [userId]);
  if (!activity) return <div className="timeline-empty">Loading…</div>;
  return (
    <div className="user-view" data-testid="user-view">
      <header className="user-head">
        <h2>
          {activity.displayName ?? activity.userId}
          {activity.displayName && <span className="entry-user-id">{activity.userId}</span>}
        </h2>
        <dl>
          <dt>entries</dt>
          <dd>{activity.entries.toLocaleString()}</dd>
          <dt>first seen</dt>
          <dd>{activity.firstSeen === null ? '—' : formatTime(activity.firstSeen, zone)}</dd>
          <dt>last seen</dt>
          <dd>{activity.lastSeen === null ? '—' : formatTime(activity.lastSeen, zone)}</dd>
        </dl>
        <div className="user-rooms">
          {activity.rooms.map((room) => (
            <button type="button" key={room.name} className="chip" onClick={() => onRoom(room.name)}>
              #{room.name} <span className="muted">{room.entries.toLocaleString()}</span>
            </button>
          ))}
        </div>
      </header>
      <div className="results">
        {[...activity.recent].reverse().map((entry) => (
          <EntryRow key={entry.id} entry={entry} zone={zone} showRoom selected={false} onUser={onUser} onOpen={() => onOpen(entry)} />
        ))}
      </div>
    </div>
  );
}
