// One timeline entry, a row of a grid: time, room, user (with display name and the invisible
// flag), and content as plain text, with watchlist terms marked. Joins, leaves and announcements
// read differently from messages. Its tags and notes show beside it; "tag / note" opens them, "who
// was there" the people in the room at that moment. The row's buttons are for the mouse: the
// grid is one tab stop, and its keys do what they do (gridKeys.ts). They end the message's cell,
// at the right of its last line, shown on hover or selection: never over its text or its tags.
import type { EntryRecord } from '../../../shared/entryRecord';
import type { EntryReview } from '../../../shared/review';
import { useDesk } from '../data/desk';
import { formatTime, fullTime, type Zone } from '../time';
import { Highlighted } from './Highlighted';
import { TagChip } from './TagChip';
import { WatchMarked } from './WatchMarked';
import { Name } from './Name';
import { forScreen } from '../../../shared/visibleText';

interface Props {
  entry: EntryRecord & { snippet?: string };
  zone: Zone;
  showRoom: boolean;
  selected: boolean;
  focused?: boolean;
  /** After its room's "reviewed up to" mark. */
  unreviewed?: boolean;
  review?: EntryReview | undefined;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
  onOpen?: (() => void) | undefined;
  onReview?: (() => void) | undefined;
  onWho?: (() => void) | undefined;
  /** A click on the row selects it. */
  onSelect?: (() => void) | undefined;
}

const EVENT_TEXT: Record<string, string> = { join: 'joined', leave: 'left' };

export function EntryRow({
  entry,
  zone,
  showRoom,
  selected,
  focused,
  unreviewed,
  review,
  onUser,
  onOpen,
  onReview,
  onWho,
  onSelect,
}: Props) {
  const desk = useDesk();
  const isMessage = entry.type === 'msg';
  const kind = isMessage ? 'msg' : entry.type === 'join' || entry.type === 'leave' || entry.type === 'announcement' ? entry.type : 'other';
  const shownUser = entry.userId === null ? null : desk.showUser(entry.userId);
  return (
    <div
      className={`entry entry-${kind}${selected ? ' selected' : ''}${focused ? ' focused' : ''}${unreviewed ? ' unreviewed' : ''}`}
      id={`entry-${entry.id}`}
      data-entry-id={entry.id}
      onDoubleClick={onOpen}
      onMouseDown={onSelect}
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
        <span role="gridcell" className="entry-room" title={`${forScreen(entry.domainId)} / ${forScreen(desk.showRoom(entry.room))}`}>
          #<Name text={desk.showRoom(entry.room)} />
          {desk.sharedRoomName(entry.room) && (
            <span className="entry-room-domain">
              {' · '}
              <Name text={entry.domainId || 'no domain'} />
            </span>
          )}
        </span>
      )}
      <span role="gridcell" className="entry-who">
        {entry.userId === null ? (
          <span className="entry-system">{entry.type === 'announcement' ? 'announcement' : 'system'}</span>
        ) : (
          <button
            type="button"
            className="entry-user"
            tabIndex={-1}
            onClick={() => onUser(entry.userId!, entry.domainId)}
            title={`all activity of ${forScreen(shownUser ?? '')} (u)`}
          >
            <Name text={desk.pseudonymise ? shownUser! : (entry.displayName ?? entry.userId)} />
            {!desk.pseudonymise && entry.displayName && <Name className="entry-user-id" text={entry.userId} />}
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
          // Isolated, its direction its own: a right-to-left message does not reorder the chips beside it.
          <bdi dir="auto" className="entry-content">
            {entry.snippet !== undefined ? (
              <Highlighted snippet={entry.snippet} />
            ) : (
              <WatchMarked text={entry.content ?? ''} pattern={desk.watchPattern} />
            )}
          </bdi>
        ) : (
          <span className="entry-event">{EVENT_TEXT[entry.type] ?? entry.type}</span>
        )}
        {!isMessage && kind === 'other' && <span className="badge">{entry.type}</span>}
        {review?.tags.map((name) => (
          <TagChip key={name} name={name} />
        ))}
        {review && review.notes > 0 && (
          <span className="entry-notes" title={`${review.notes} ${review.notes === 1 ? 'note' : 'notes'}`}>
            ✎ {review.notes}
          </span>
        )}
        {(onOpen || onReview || onWho) && (
          <span className="entry-actions">
            {onWho && (
              <button type="button" className="entry-open" tabIndex={-1} onClick={onWho} title="who was in the room at this moment (w)">
                who was there
              </button>
            )}
            {onReview && (
              <button type="button" className="entry-open" tabIndex={-1} onClick={onReview} title="tags and notes (t)">
                tag / note
              </button>
            )}
            {onOpen && (
              <button type="button" className="entry-open" tabIndex={-1} onClick={onOpen} title="open in context (Enter)">
                context ›
              </button>
            )}
          </span>
        )}
      </span>
    </div>
  );
}
