// Everything one user did: first and last seen, the rooms they were in, their recent entries.
import type { EntryRecord } from '../../../shared/entryRecord';
import { EntryList } from '../components/EntryList';
import { ErrorNotice } from '../components/ErrorNotice';
import { useState } from 'react';
import { TagEditor } from '../components/TagEditor';
import { TagChip } from '../components/TagChip';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import { formatTime, type Zone } from '../time';

interface Props {
  userId: string;
  zone: Zone;
  onRoom: (room: string) => void;
  onUser: (userId: string) => void;
  onOpen: (entry: EntryRecord) => void;
}

export function UserView({ userId, zone, onRoom, onUser, onOpen }: Props) {
  const { data: activity, error } = useApi('userActivity', { userId });
  const desk = useDesk();
  const [reviewing, setReviewing] = useState(false);
  const review = useApi('reviews', { target: 'user', ids: activity?.id ? [activity.id] : [] }, { enabled: !!activity?.id });
  if (error) return <ErrorNotice message={error} />;
  if (!activity) return <div className="timeline-empty">Loading…</div>;
  return (
    <div className="user-view" data-testid="user-view">
      <header className="user-head">
        <h2>
          {desk.pseudonymise ? desk.showUser(activity.userId) : (activity.displayName ?? activity.userId)}
          {!desk.pseudonymise && activity.displayName && <span className="entry-user-id">{activity.userId}</span>}
          {activity.id !== null && review.data?.[activity.id]?.tags.map((name) => <TagChip key={name} name={name} />)}
          {activity.id !== null && (
            <button type="button" className="ghost subject-review" onClick={() => setReviewing(true)} data-testid="user-review">
              tag / note{review.data?.[activity.id]?.notes ? ` · ✎ ${review.data[activity.id]!.notes}` : ''}
            </button>
          )}
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
      {reviewing && activity.id !== null && (
        <TagEditor
          subject={{ target: 'user', id: activity.id, label: desk.showUser(activity.userId) }}
          zone={zone}
          onClose={() => setReviewing(false)}
        />
      )}
      <div className="results">
        <EntryList
          entries={[...activity.recent].reverse()}
          label={`recent entries of ${desk.showUser(activity.userId)}`}
          zone={zone}
          onUser={onUser}
          onOpen={onOpen}
        />
      </div>
    </div>
  );
}
