// One timeline entry, a row of a grid: time, room, user (with display name and the invisible
// flag), and content as plain text. Joins, leaves and announcements read differently from messages.
import type { EntryRecord } from '../../../shared/entryRecord';
import { formatTime, fullTime, type Zone } from '../time';
import { Highlighted } from './Highlighted';

interface Props {
  entry: EntryRecord & { snippet?: string };
  zone: Zone;
  showRoom: boolean;
  selected: boolean;
  focused?: boolean;
  onUser: (userId: string) => void;
  onOpen?: (() => void) | undefined;
}

const EVENT_TEXT: Record<string, string> = { join: 'joined', leave: 'left' };

export function EntryRow({ entry, zone, showRoom, selected, focused, onUser, onOpen }: Props) {
  const isMessage = entry.type === 'msg';
  const kind = isMessage ? 'msg' : entry.type === 'join' || entry.type === 'leave' || entry.type === 'announcement' ? entry.type : 'other';
  return (
    <div
      className={`entry entry-${kind}${selected ? ' selected' : ''}${focused ? ' focused' : ''}`}
      id={`entry-${entry.id}`}
      data-entry-id={entry.id}
      onDoubleClick={onOpen}
      role="row"
      tabIndex={-1}
      aria-selected={selected}
    >
      <span role="gridcell" className="entry-time">
        <time dateTime={new Date(entry.timestamp).toISOString()} title={fullTime(entry.timestamp)}>
          {formatTime(entry.timestamp, zone)}
        </time>
      </span>
      {showRoom && (
        <span role="gridcell" className="entry-room" title={`${entry.domainId} / ${entry.room}`}>
          #{entry.room}
        </span>
      )}
      <span role="gridcell" className="entry-who">
        {entry.userId === null ? (
          <span className="entry-system">{entry.type === 'announcement' ? 'announcement' : 'system'}</span>
        ) : (
          <button type="button" className="entry-user" onClick={() => onUser(entry.userId!)} title={`all activity of ${entry.userId}`}>
            {entry.displayName ?? entry.userId}
            {entry.displayName && <span className="entry-user-id">{entry.userId}</span>}
          </button>
        )}
        {entry.invisible && (
          <span className="badge badge-invisible" title="invisible to other users">
            invisible
          </span>
        )}
      </span>
      <span role="gridcell" className="entry-body">
        {isMessage || entry.content !== null ? (
          entry.snippet !== undefined ? (
            <Highlighted snippet={entry.snippet} />
          ) : (
            entry.content
          )
        ) : (
          <span className="entry-event">{EVENT_TEXT[entry.type] ?? entry.type}</span>
        )}
        {!isMessage && kind === 'other' && <span className="badge">{entry.type}</span>}
      </span>
      {onOpen && (
        <span role="gridcell" className="entry-actions">
          <button type="button" className="entry-open" onClick={onOpen} title="open in context (Enter)">
            context ›
          </button>
        </span>
      )}
    </div>
  );
}
