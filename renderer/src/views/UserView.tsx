// Everything one user did, for a user in a few rooms or in hundreds: a one-line summary, their
// entries at once (a timeline of them all, paged as it scrolls), and beside it the rooms they were
// most active in (the top ten, every room on demand) and their record: reports against them and by
// them with where each stands, the tags and notes on them and on their entries, watchlist matches.
import type { EntryRecord } from '../../../shared/entryRecord';
import type { AbuseReportSummary } from '../../../shared/review';
import { ErrorNotice } from '../components/ErrorNotice';
import { useState } from 'react';
import { TagEditor } from '../components/TagEditor';
import { TagChip } from '../components/TagChip';
import { Timeline } from '../components/Timeline';
import { useApi } from '../data/useApi';
import { useDesk, useMentions } from '../data/desk';
import { formatTime, type Zone } from '../time';
import { formatCount } from '../numbers';
import { Name, Visible } from '../components/Name';
import { forScreen } from '../../../shared/visibleText';
import type { RoomChoice } from '../components/RoomList';

interface Props {
  userId: string;
  /** The user of that ID in this chat domain (a user ID is a user in each); none: the first seen, and their record in every domain. */
  domain?: string | undefined;
  zone: Zone;
  onRoom: (room: RoomChoice) => void;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
  onOpen: (entry: EntryRecord) => void;
  onReport: (id: number) => void;
}

/** Rooms shown before "all N rooms". */
const TOP_ROOMS = 10;

function ReportLinks({
  reports,
  who,
  zone,
  onReport,
}: {
  reports: AbuseReportSummary[];
  who: 'by' | 'against';
  zone: Zone;
  onReport: (id: number) => void;
}) {
  const desk = useDesk();
  if (reports.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="record-list">
      {reports.map((r) => (
        <li key={r.id}>
          <button type="button" className="linkish" onClick={() => onReport(r.id)} data-testid={`record-report-${r.id}`}>
            #{r.id} {r.reason ?? 'report'}
          </button>{' '}
          <span className={`status-badge status-${r.status.replace(' ', '-')}`}>{r.status}</span>{' '}
          <span className="muted">
            {who === 'against' ? 'by ' : 'of '}
            {(who === 'against' ? r.reporter : r.accused) === null ? (
              'unknown'
            ) : (
              <Name text={desk.showUser((who === 'against' ? r.reporter : r.accused)!)} />
            )}{' '}
            · {formatTime(r.receivedAt, zone)}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function UserView({ userId, domain, zone, onRoom, onUser, onOpen, onReport }: Props) {
  const inDomain = domain === undefined ? {} : { domain };
  const { data: activity, error } = useApi('userActivity', { userId, ...inDomain });
  const record = useApi('userRecord', { userId, ...inDomain });
  const desk = useDesk();
  const [reviewing, setReviewing] = useState(false);
  const [allRooms, setAllRooms] = useState(false);
  const review = useApi('reviews', { target: 'user', ids: activity?.id ? [activity.id] : [] }, { enabled: !!activity?.id });
  const mentions = useMentions(record.data?.notes.map((n) => n.text) ?? []);
  if (error) return <ErrorNotice message={error} />;
  if (!activity) return <div className="timeline-empty">Loading…</div>;
  const rooms = allRooms ? activity.rooms : activity.rooms.slice(0, TOP_ROOMS);
  const data = record.data;
  return (
    <div className="user-view" data-testid="user-view">
      <header className="user-head">
        <h2>
          <Name text={desk.pseudonymise ? desk.showUser(activity.userId) : (activity.displayName ?? activity.userId)} />
          {!desk.pseudonymise && activity.displayName && <Name className="entry-user-id" text={activity.userId} />}
          {domain !== undefined && (
            <span className="entry-user-id" data-testid="user-domain" title="the chat domain of this user">
              <Name text={domain || 'no domain'} />
            </span>
          )}
          {activity.id !== null && review.data?.[activity.id]?.tags.map((name) => <TagChip key={name} name={name} />)}
          {activity.id !== null && (
            <button type="button" className="ghost subject-review" onClick={() => setReviewing(true)} data-testid="user-review">
              tag / note{review.data?.[activity.id]?.notes ? ` · ✎ ${review.data[activity.id]!.notes}` : ''}
            </button>
          )}
        </h2>
        <p className="user-summary" data-testid="user-summary">
          {formatCount(activity.entries)} {activity.entries === 1 ? 'entry' : 'entries'} in {formatCount(activity.rooms.length)}{' '}
          {activity.rooms.length === 1 ? 'room' : 'rooms'}
          {activity.firstSeen !== null && (
            <>
              {' '}
              · first seen {formatTime(activity.firstSeen, zone)} · last seen {formatTime(activity.lastSeen!, zone)}
            </>
          )}
        </p>
      </header>
      {reviewing && activity.id !== null && (
        <TagEditor
          subject={{ target: 'user', id: activity.id, label: <Name text={desk.showUser(activity.userId)} /> }}
          zone={zone}
          onClose={() => setReviewing(false)}
        />
      )}
      <div className="user-body">
        <section className="content user-entries" aria-label={`entries of ${forScreen(desk.showUser(activity.userId))}`}>
          {activity.entries > 0 ? (
            <Timeline filter={{ user: userId, ...inDomain }} zone={zone} onUser={onUser} onOpen={onOpen} />
          ) : (
            <div className="timeline-empty">No entries of this user.</div>
          )}
        </section>
        <aside className="user-side" aria-label="rooms and record">
          <section aria-labelledby="user-rooms-title" data-testid="user-rooms">
            <h3 id="user-rooms-title">Most active in</h3>
            <ol className="user-room-list">
              {rooms.map((room) => (
                <li key={room.name}>
                  <button
                    type="button"
                    className="linkish"
                    onClick={() => onRoom({ name: room.name, domain: room.domainId })}
                    title={`last here ${formatTime(room.lastSeen, zone)}`}
                  >
                    #<Name text={desk.showRoom(room.name)} />
                  </button>
                  <span className="muted">{formatCount(room.entries)}</span>
                </li>
              ))}
            </ol>
            {activity.rooms.length > TOP_ROOMS && (
              <button
                type="button"
                className="ghost"
                onClick={() => setAllRooms(!allRooms)}
                aria-expanded={allRooms}
                data-testid="user-all-rooms"
              >
                {allRooms ? `the top ${TOP_ROOMS} only` : `all ${formatCount(activity.rooms.length)} rooms`}
              </button>
            )}
          </section>
          <section aria-labelledby="user-record-title" data-testid="user-record">
            <h3 id="user-record-title">Record</h3>
            {record.error && <ErrorNotice message={record.error} />}
            {!data && !record.error && <p className="muted">Reading…</p>}
            {data && (
              <dl className="record">
                <dt>reports against them</dt>
                <dd>
                  <ReportLinks reports={data.reportsAgainst} who="against" zone={zone} onReport={onReport} />
                </dd>
                <dt>reports they made</dt>
                <dd>
                  <ReportLinks reports={data.reportsBy} who="by" zone={zone} onReport={onReport} />
                </dd>
                <dt>tags on them</dt>
                <dd>
                  {data.tags.length ? data.tags.map((name) => <TagChip key={name} name={name} />) : <span className="muted">none</span>}
                </dd>
                <dt>notes on them</dt>
                <dd>
                  {data.notes.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <ul className="record-list">
                      {data.notes.map((n) => (
                        <li key={n.id}>
                          <bdi dir="auto">
                            <Visible text={desk.showText(n.text, mentions)} kind="content" />
                          </bdi>{' '}
                          <span className="muted">
                            — <Name text={n.moderator} />, {formatTime(n.at, zone)}
                          </span>
                        </li>
                      ))}
                    </ul>
                  )}
                </dd>
                <dt>their entries</dt>
                <dd>
                  {data.entryTags.length === 0 && data.notedEntries === 0 ? (
                    <span className="muted">no tags or notes</span>
                  ) : (
                    <>
                      {data.entryTags.map((t) => (
                        <span key={t.tag} className="record-tag">
                          <TagChip name={t.tag} /> {formatCount(t.entries)}
                        </span>
                      ))}
                      {data.notedEntries > 0 && <span className="muted"> · {formatCount(data.notedEntries)} with notes</span>}
                    </>
                  )}
                </dd>
                <dt>watchlist matches</dt>
                <dd data-testid="user-watch-matches">
                  {data.watchMatches === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <>
                      {formatCount(data.watchMatches)}:{' '}
                      {data.recentMatches.slice(0, 5).map((m) => (
                        <button
                          key={m.entry.id}
                          type="button"
                          className="linkish"
                          onClick={() => onOpen(m.entry)}
                          title={formatTime(m.entry.timestamp, zone)}
                        >
                          “{m.term}”
                        </button>
                      ))}
                    </>
                  )}
                </dd>
              </dl>
            )}
          </section>
        </aside>
      </div>
    </div>
  );
}
