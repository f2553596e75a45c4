// Who was there: the people in an entry's room at the moment of that entry, and what says so (the
// room's roster, a join, a message of theirs), with the instant messenger's connection list of
// the time; each person opens their activity, a roster or connection list opens whole.
import type { EntryRecord } from '../../../shared/entryRecord';
import type { PresentPerson } from '../../../shared/review';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import { formatTime, type Zone } from '../time';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { DialogBoundary } from './PartBoundary';
import { formatCount } from '../numbers';
import { Name } from './Name';
import { forScreen } from '../../../shared/visibleText';

const HOW: Record<PresentPerson['how'], string> = { roster: 'on the roster', joined: 'joined', spoke: 'wrote' };

function PresenceBody({ entry, zone, onUser, onClose }: Props) {
  const desk = useDesk();
  const presence = useApi('presence', { entryId: entry.id });
  const data = presence.data;
  return (
    <Dialog
      title={`Who was in #${forScreen(desk.showRoom(entry.room))} at ${formatTime(entry.timestamp, zone)}`}
      onClose={onClose}
      testId="presence"
    >
      {presence.error && <ErrorNotice message={presence.error} />}
      {!data && !presence.error && <p className="muted">Reading the room's roster and history…</p>}
      {data && (
        <>
          <p className="muted" data-testid="presence-source">
            {data.roster
              ? `From the room's roster of ${formatTime(data.roster.takenAt, zone)} (${formatCount(data.roster.listed)} listed), then ${formatCount(data.eventsRead)} joins, leaves and messages up to this moment.`
              : `No roster of this room before this moment: from its ${formatCount(data.eventsRead)} joins, leaves and messages since its first entry.`}{' '}
            Someone who left without a leave being sent still shows.
          </p>
          <h3>
            {formatCount(data.people.length)} {data.people.length === 1 ? 'person' : 'people'}
          </h3>
          <ul className="presence-list" data-testid="presence-people">
            {data.people.map((person) => (
              <li key={person.userId}>
                <button
                  type="button"
                  className="linkish"
                  onClick={() => {
                    onClose();
                    onUser(person.userId, entry.domainId);
                  }}
                  title={`all activity of ${forScreen(desk.showUser(person.userId))}`}
                >
                  <Name text={desk.pseudonymise ? desk.showUser(person.userId) : (person.displayName ?? person.userId)} />
                </button>{' '}
                <span className="muted">
                  {HOW[person.how]} {formatTime(person.since, zone)}
                </span>
              </li>
            ))}
          </ul>
          {data.connections && (
            <>
              <h3>Connections at {formatTime(data.connections.takenAt, zone)}</h3>
              <p className="muted">
                The instant messenger's connection list{data.connections.server ? ` from ${forScreen(data.connections.server)}` : ''}: these
                people's connections{data.connections.more ? ' (the first 200)' : ''}.
              </p>
              <ul className="presence-list" data-testid="presence-connections">
                {data.connections.list.map((c, i) => (
                  <li key={i}>
                    {c.fromKind === 's' ? (
                      <>
                        session <Name text={c.from} />
                      </>
                    ) : (
                      <Name text={desk.showUser(c.from)} />
                    )}{' '}
                    → <Name text={desk.showUser(c.to)} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </Dialog>
  );
}

interface Props {
  entry: EntryRecord;
  zone: Zone;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
  onClose: () => void;
}

export function PresenceDialog(props: Props) {
  return (
    <DialogBoundary what="Who was there" onClose={props.onClose}>
      <PresenceBody {...props} />
    </DialogBoundary>
  );
}
