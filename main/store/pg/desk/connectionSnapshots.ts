// The connection lists the vendor sent, over PostgreSQL: what store/connectionSnapshots.ts answers
// over SQLite — the room rosters and the messenger's connection lists, newest first, and one whole.
import type pg from 'pg';
import type { ConnectionSnapshot, ConnectionSnapshotSummary } from '../../../../shared/review.js';
import { noSnapshot, snapshotBounds, snapshotPage, type ConnectionListRow, type RosterRow } from '../../connectionSnapshots.js';

/** A pool, not one session: the queries below go at once, each on a session of its own. */
type Queryable = pg.Pool;

/** The snapshots taken before `before` (all, without), newest first, `limit` of them; both kinds together. */
export async function listConnectionSnapshots(
  client: Queryable,
  page: { before?: number; limit?: number } = {},
): Promise<{ snapshots: ConnectionSnapshotSummary[]; more: boolean }> {
  const { before, n } = snapshotBounds(page);
  // `before` is any finite number the desk sent (1.5, 1e300): compared as SQLite compares an integer with a real, exactly.
  const [rosters, lists] = await Promise.all([
    client.query<RosterRow>(
      `SELECT s.id, s.domain_id, s.taken_at,
         (SELECT count(*) FROM connection_snapshot_rooms r WHERE r.snapshot_id = s.id) AS rooms,
         (SELECT count(DISTINCT user_id) FROM connection_snapshot_users u WHERE u.snapshot_id = s.id) AS users
       FROM connection_snapshots s WHERE s.taken_at < $1::float8 ORDER BY s.taken_at DESC, s.id DESC LIMIT $2`,
      [before, n + 1],
    ),
    client.query<ConnectionListRow>(
      `SELECT s.id, s.domain_id, s.taken_at, s.server, (SELECT count(*) FROM im_connections c WHERE c.snapshot_id = s.id) AS connections
       FROM im_connection_snapshots s WHERE s.taken_at < $1::float8 ORDER BY s.taken_at DESC, s.id DESC LIMIT $2`,
      [before, n + 1],
    ),
  ]);
  return snapshotPage(rosters.rows, lists.rows, n);
}

/** One snapshot whole: each room with who was in it (most people first, then by name), or every connection in the order sent. */
export async function connectionSnapshot(client: Queryable, kind: 'rooms' | 'connections', id: number): Promise<ConnectionSnapshot> {
  // An id that is no whole number names no snapshot (SQLite finds none; PostgreSQL would refuse it as a bigint).
  if (!Number.isSafeInteger(id)) throw noSnapshot(kind, id);
  if (kind === 'rooms') {
    const head = (
      await client.query<{ domain_id: string; taken_at: number }>('SELECT domain_id, taken_at FROM connection_snapshots WHERE id = $1', [
        id,
      ])
    ).rows[0];
    if (!head) throw noSnapshot(kind, id);
    // Names and user IDs in SQLite's BINARY order: their UTF-8 bytes ("C").
    const [rooms, users] = await Promise.all([
      client.query<{ room_id: number; name: string; user_count: number }>(
        `SELECT sr.room_id, r.name, sr.user_count FROM connection_snapshot_rooms sr JOIN rooms r ON r.id = sr.room_id
         WHERE sr.snapshot_id = $1 ORDER BY sr.user_count DESC, r.name COLLATE "C"`,
        [id],
      ),
      client.query<{ room_id: number; user_id: string }>(
        `SELECT su.room_id, u.user_id FROM connection_snapshot_users su JOIN users u ON u.id = su.user_id
         WHERE su.snapshot_id = $1 ORDER BY su.room_id, u.user_id COLLATE "C"`,
        [id],
      ),
    ]);
    const inRoom = new Map<number, string[]>();
    for (const row of users.rows) {
      const list = inRoom.get(row.room_id);
      if (list) list.push(row.user_id);
      else inRoom.set(row.room_id, [row.user_id]);
    }
    return {
      kind,
      id,
      domainId: head.domain_id,
      takenAt: head.taken_at,
      rooms: rooms.rows.map((r) => ({ name: r.name, userCount: r.user_count, users: inRoom.get(r.room_id) ?? [] })),
    };
  }
  const head = (
    await client.query<{ domain_id: string; taken_at: number; server: string | null }>(
      'SELECT domain_id, taken_at, server FROM im_connection_snapshots WHERE id = $1',
      [id],
    )
  ).rows[0];
  if (!head) throw noSnapshot(kind, id);
  // In the order they were sent: SQLite's rowid order, the ordinal here (migrations/0430-connection-order.ts).
  const connections = await client.query<{ from_kind: 'm' | 's'; from_id: string; to_id: string }>(
    'SELECT from_kind, from_id, to_id FROM im_connections WHERE snapshot_id = $1 ORDER BY ordinal',
    [id],
  );
  return {
    kind,
    id,
    domainId: head.domain_id,
    takenAt: head.taken_at,
    server: head.server,
    connections: connections.rows.map((c) => ({ fromKind: c.from_kind, from: c.from_id, to: c.to_id })),
  };
}
