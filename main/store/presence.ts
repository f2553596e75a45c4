// Who was there: the people in an entry's room at the moment of that entry. The vendor says it two
// ways, and the desk reads both: the chat's room rosters (sendConnectionList's <rooms>, kept in
// connection_snapshots*), a list of who was in each room when it was taken; and the room's own
// joins, leaves and messages. So: the room's last roster taken at or before the moment, then every
// join, leave and message in the room after it up to the moment (a message says its writer was
// there; a leave that they left). Without a roster, the room's history from its start. The
// instant messenger's connection lists (im_connection_snapshots, im_connections) say who was
// connected to whom: the last one before the moment, with the connections of the people found.
import type { Presence, PresentPerson } from '../../shared/review.js';
import type { Db } from './db.js';
import { UserFacingError } from '../../shared/userFacingError.js';

/** Connections of the instant messenger listed with a presence (the snapshot view has them all). */
export const CONNECTIONS_SHOWN = 200;

/** A join, leave or message of the room, in (ts, id) order. */
export interface RoomEvent {
  user_id: number;
  type: string;
  ts: number;
}

/** A user's ID and display name by row id (both engines look them up their own way). */
export type UserNames = (id: number) => { user_id: string; display_name: string | null };

/**
 * Who is there, replayed: the roster's people, then each event after it in order (a join says
 * they came, a leave that they left, a message that its writer was there). Both engines feed it.
 */
export class PresenceReplay {
  private readonly people = new Map<number, PresentPerson & { present: boolean }>();
  /** The events replayed. */
  replayed = 0;

  constructor(private readonly users: UserNames) {}

  private person(id: number, how: PresentPerson['how'], since: number) {
    const user = this.users(id);
    return { userId: user.user_id, displayName: user.display_name, how, since, present: true };
  }

  roster(userIds: Iterable<number>, takenAt: number): void {
    for (const id of userIds) this.people.set(id, this.person(id, 'roster', takenAt));
  }

  event(event: RoomEvent): void {
    this.replayed += 1;
    const known = this.people.get(event.user_id);
    if (event.type === 'leave') {
      if (known) known.present = false;
    } else if (event.type === 'join') {
      this.people.set(event.user_id, this.person(event.user_id, 'joined', event.ts));
    } else if (!known?.present) {
      this.people.set(event.user_id, this.person(event.user_id, 'spoke', event.ts));
    }
  }

  /** Those present, longest there first. */
  present(): PresentPerson[] {
    const present = [...this.people.values()].filter((p) => p.present).map(({ present: _, ...p }) => p);
    return present.sort((a, b) => a.since - b.since || (a.userId < b.userId ? -1 : 1));
  }
}

/** A presence's connections: the instant messenger's list and the rows of it read (at most CONNECTIONS_SHOWN + 1). */
export function connectionsOf(
  im: { id: number; taken_at: number; server: string | null },
  rows: Array<{ from_kind: 'm' | 's'; from_id: string; to_id: string }>,
): NonNullable<Presence['connections']> {
  return {
    snapshotId: im.id,
    takenAt: im.taken_at,
    server: im.server,
    list: rows.slice(0, CONNECTIONS_SHOWN).map((r) => ({ fromKind: r.from_kind, from: r.from_id, to: r.to_id })),
    more: rows.length > CONNECTIONS_SHOWN,
  };
}

export function presenceAt(db: Db, entryId: number): Presence {
  const entry = db
    .prepare<[number], { room_id: number; room: string; domain_id: string; ts: number }>(
      'SELECT e.room_id, r.name AS room, r.domain_id, e.ts FROM entries e JOIN rooms r ON r.id = e.room_id WHERE e.id = ?',
    )
    .get(entryId);
  if (!entry) throw new UserFacingError(`no entry ${entryId}`);
  const { room_id: roomId, ts: at } = entry;
  const users = db.prepare<[number], { user_id: string; display_name: string | null }>(
    'SELECT user_id, display_name FROM users WHERE id = ?',
  );
  const replay = new PresenceReplay((id) => users.get(id)!);

  const roster = db
    .prepare<[number, number], { id: number; taken_at: number; user_count: number }>(
      `SELECT s.id, s.taken_at, sr.user_count FROM connection_snapshot_rooms sr JOIN connection_snapshots s ON s.id = sr.snapshot_id
       WHERE sr.room_id = ? AND s.taken_at <= ? ORDER BY s.taken_at DESC, s.id DESC LIMIT 1`,
    )
    .get(roomId, at);
  if (roster) {
    replay.roster(
      db
        .prepare<[number, number], number>('SELECT user_id FROM connection_snapshot_users WHERE snapshot_id = ? AND room_id = ?')
        .pluck()
        .all(roster.id, roomId),
      roster.taken_at,
    );
  }
  // The room's own events from the roster (or its start) up to the moment, the entry itself included.
  const events = db
    .prepare<[number, number, number], RoomEvent>(
      `SELECT e.user_id, e.type, e.ts FROM entries e INDEXED BY entries_identity
       WHERE e.room_id = ? AND e.ts > ? AND e.ts <= ? AND e.user_id IS NOT NULL ORDER BY e.ts, e.id`,
    )
    .iterate(roomId, roster ? roster.taken_at : -8.64e15, at);
  for (const event of events) replay.event(event);
  const present = replay.present();

  const im = db
    .prepare<[string, number], { id: number; taken_at: number; server: string | null }>(
      'SELECT id, taken_at, server FROM im_connection_snapshots WHERE domain_id = ? AND taken_at <= ? ORDER BY taken_at DESC, id DESC LIMIT 1',
    )
    .get(entry.domain_id, at);
  let connections: Presence['connections'] = null;
  if (im) {
    const ids = JSON.stringify(present.map((p) => p.userId));
    // In the order the list came (rowid).
    const rows = db
      .prepare<[number, string, string, number], { from_kind: 'm' | 's'; from_id: string; to_id: string }>(
        `SELECT from_kind, from_id, to_id FROM im_connections WHERE snapshot_id = ?
           AND (from_id IN (SELECT value FROM json_each(?)) OR to_id IN (SELECT value FROM json_each(?))) ORDER BY rowid LIMIT ?`,
      )
      .all(im.id, ids, ids, CONNECTIONS_SHOWN + 1);
    connections = connectionsOf(im, rows);
  }
  return {
    entryId,
    room: entry.room,
    at,
    people: present,
    roster: roster ? { snapshotId: roster.id, takenAt: roster.taken_at, listed: roster.user_count } : null,
    eventsRead: replay.replayed,
    connections,
  };
}
