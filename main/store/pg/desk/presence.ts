// Who was there, over PostgreSQL: what store/presence.ts answers over SQLite, replayed by the same
// PresenceReplay — the room's last roster at or before the entry, then its joins, leaves and
// messages since, read through a cursor a page at a time (a room without a roster is replayed
// from its start, which may be a long history), all in one read-only snapshot.
import type { Presence } from '../../../../shared/review.js';
import { UserFacingError } from '../../../../shared/userFacingError.js';
import { CONNECTIONS_SHOWN, connectionsOf, PresenceReplay, type RoomEvent } from '../../presence.js';
import type { ReadPool } from '../connection.js';
import type pg from 'pg';

/** Events per FETCH of the replay's cursor. */
const EVENT_PAGE = 5000;

type UserRow = { user_id: string; display_name: string | null };

export async function presenceAt({ pool }: ReadPool, entryId: number): Promise<Presence> {
  // What SQLite's `e.id = ?` finds no entry for (a fraction, NaN, beyond any id) is no entry here either.
  if (!Number.isSafeInteger(entryId)) throw new UserFacingError(`no entry ${entryId}`);
  const session = await pool.connect();
  try {
    await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return await presenceIn(session, entryId);
  } finally {
    await session.query('ROLLBACK').catch(() => undefined);
    session.release();
  }
}

async function presenceIn(session: pg.ClientBase, entryId: number): Promise<Presence> {
  const entry = (
    await session.query<{ room_id: number; room: string; domain_id: string; ts: number }>(
      'SELECT e.room_id, r.name AS room, r.domain_id, e.ts FROM entries e JOIN rooms r ON r.id = e.room_id WHERE e.id = $1',
      [entryId],
    )
  ).rows[0];
  if (!entry) throw new UserFacingError(`no entry ${entryId}`);
  const { room_id: roomId, ts: at } = entry;
  // Users by row id, read for each page of events before it is replayed (the replay looks them up as it goes).
  const users = new Map<number, UserRow>();
  const readUsers = async (ids: number[]) => {
    const wanted = [...new Set(ids)].filter((id) => !users.has(id));
    if (wanted.length === 0) return;
    const rows = await session.query<UserRow & { id: number }>('SELECT id, user_id, display_name FROM users WHERE id = ANY($1::bigint[])', [
      wanted,
    ]);
    for (const { id, ...user } of rows.rows) users.set(id, user);
  };
  const replay = new PresenceReplay((id) => users.get(id)!);

  const roster = (
    await session.query<{ id: number; taken_at: number; user_count: number }>(
      `SELECT s.id, s.taken_at, sr.user_count FROM connection_snapshot_rooms sr JOIN connection_snapshots s ON s.id = sr.snapshot_id
       WHERE sr.room_id = $1 AND s.taken_at <= $2 ORDER BY s.taken_at DESC, s.id DESC LIMIT 1`,
      [roomId, at],
    )
  ).rows[0];
  if (roster) {
    const listed = (
      await session.query<{ user_id: number }>('SELECT user_id FROM connection_snapshot_users WHERE snapshot_id = $1 AND room_id = $2', [
        roster.id,
        roomId,
      ])
    ).rows.map((row) => row.user_id);
    await readUsers(listed);
    replay.roster(listed, roster.taken_at);
  }
  // The room's own events from the roster (or its start) up to the moment, the entry itself included.
  await session.query(
    `DECLARE presence_events NO SCROLL CURSOR FOR
       SELECT e.user_id, e.type, e.ts FROM entries e
       WHERE e.room_id = $1 AND e.ts > $2 AND e.ts <= $3 AND e.user_id IS NOT NULL ORDER BY e.ts, e.id`,
    [roomId, roster ? roster.taken_at : -8.64e15, at],
  );
  for (;;) {
    const page = (await session.query<RoomEvent>(`FETCH ${EVENT_PAGE} FROM presence_events`)).rows;
    await readUsers(page.map((event) => event.user_id));
    for (const event of page) replay.event(event);
    if (page.length < EVENT_PAGE) break;
  }
  const present = replay.present();

  const im = (
    await session.query<{ id: number; taken_at: number; server: string | null }>(
      'SELECT id, taken_at, server FROM im_connection_snapshots WHERE domain_id = $1 AND taken_at <= $2 ORDER BY taken_at DESC, id DESC LIMIT 1',
      [entry.domain_id, at],
    )
  ).rows[0];
  let connections: Presence['connections'] = null;
  if (im) {
    const ids = present.map((p) => p.userId);
    // In the order the list came: SQLite's rowid, the ordinal here (migrations/0430-connection-order.ts).
    const rows = await session.query<{ from_kind: 'm' | 's'; from_id: string; to_id: string }>(
      `SELECT from_kind, from_id, to_id FROM im_connections WHERE snapshot_id = $1
         AND (from_id = ANY($2::text[]) OR to_id = ANY($2::text[])) ORDER BY ordinal LIMIT $3`,
      [im.id, ids, CONNECTIONS_SHOWN + 1],
    );
    connections = connectionsOf(im, rows.rows);
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
