// The connection lists the vendor sends, as they came: the chat's room rosters (<rooms>, who was in
// each room) and the instant messenger's connection lists (<connectionList>, who was connected to
// whom), newest first, and one of them whole.
import type { ConnectionSnapshot, ConnectionSnapshotSummary } from '../../shared/review.js';
import type { Db } from './db.js';
import { UserFacingError } from '../../shared/userFacingError.js';

/** A room roster's row as both engines read it: how many rooms it lists, how many people in them. */
export interface RosterRow {
  id: number;
  domain_id: string;
  taken_at: number;
  rooms: number;
  users: number;
}

/** A connection list's row as both engines read it: its server and how many connections. */
export interface ConnectionListRow {
  id: number;
  domain_id: string;
  taken_at: number;
  server: string | null;
  connections: number;
}

/** A page of snapshots: `limit` of them (1 to 1000), taken before `before` (every one without). */
export function snapshotBounds({ before, limit = 100 }: { before?: number; limit?: number }): { before: number; n: number } {
  return { before: before ?? 8.64e15, n: Math.max(1, Math.min(1000, Math.trunc(limit))) };
}

/**
 * Both kinds' newest rows (each up to n + 1, newest first) as one page of n, newest first; at the
 * same instant and id, a roster before a connection list.
 */
export function snapshotPage(
  rosters: readonly RosterRow[],
  lists: readonly ConnectionListRow[],
  n: number,
): { snapshots: ConnectionSnapshotSummary[]; more: boolean } {
  const all: ConnectionSnapshotSummary[] = [
    ...rosters.map((r) => ({
      kind: 'rooms' as const,
      id: r.id,
      domainId: r.domain_id,
      takenAt: r.taken_at,
      rooms: r.rooms,
      users: r.users,
    })),
    ...lists.map((l) => ({
      kind: 'connections' as const,
      id: l.id,
      domainId: l.domain_id,
      takenAt: l.taken_at,
      server: l.server,
      connections: l.connections,
    })),
  ].sort((a, b) => b.takenAt - a.takenAt || b.id - a.id);
  return { snapshots: all.slice(0, n), more: all.length > n };
}

/** The snapshots taken before `before` (all, without), newest first, `limit` of them; both kinds together. */
export function listConnectionSnapshots(
  db: Db,
  page: { before?: number; limit?: number } = {},
): {
  snapshots: ConnectionSnapshotSummary[];
  more: boolean;
} {
  const { before, n } = snapshotBounds(page);
  const rosters = db
    .prepare<[number, number], RosterRow>(
      `SELECT s.id, s.domain_id, s.taken_at,
         (SELECT count(*) FROM connection_snapshot_rooms r WHERE r.snapshot_id = s.id) AS rooms,
         (SELECT count(DISTINCT user_id) FROM connection_snapshot_users u WHERE u.snapshot_id = s.id) AS users
       FROM connection_snapshots s WHERE s.taken_at < ? ORDER BY s.taken_at DESC, s.id DESC LIMIT ?`,
    )
    .all(before, n + 1);
  const lists = db
    .prepare<[number, number], ConnectionListRow>(
      `SELECT s.id, s.domain_id, s.taken_at, s.server, (SELECT count(*) FROM im_connections c WHERE c.snapshot_id = s.id) AS connections
       FROM im_connection_snapshots s WHERE s.taken_at < ? ORDER BY s.taken_at DESC, s.id DESC LIMIT ?`,
    )
    .all(before, n + 1);
  return snapshotPage(rosters, lists, n);
}

/** The refusal of a snapshot that is not there. */
export const noSnapshot = (kind: 'rooms' | 'connections', id: number) =>
  new UserFacingError(kind === 'rooms' ? `there is no room roster ${id}` : `there is no connection list ${id}`);

/** One snapshot whole: each room with who was in it, or every connection. */
export function connectionSnapshot(db: Db, kind: 'rooms' | 'connections', id: number): ConnectionSnapshot {
  if (kind === 'rooms') {
    const head = db
      .prepare<[number], { domain_id: string; taken_at: number }>('SELECT domain_id, taken_at FROM connection_snapshots WHERE id = ?')
      .get(id);
    if (!head) throw noSnapshot(kind, id);
    const rooms = db
      .prepare<[number], { room_id: number; name: string; user_count: number }>(
        `SELECT sr.room_id, r.name, sr.user_count FROM connection_snapshot_rooms sr JOIN rooms r ON r.id = sr.room_id
         WHERE sr.snapshot_id = ? ORDER BY sr.user_count DESC, r.name`,
      )
      .all(id);
    const users = db
      .prepare<[number, number], string>(
        `SELECT u.user_id FROM connection_snapshot_users su JOIN users u ON u.id = su.user_id
         WHERE su.snapshot_id = ? AND su.room_id = ? ORDER BY u.user_id`,
      )
      .pluck();
    return {
      kind,
      id,
      domainId: head.domain_id,
      takenAt: head.taken_at,
      rooms: rooms.map((r) => ({ name: r.name, userCount: r.user_count, users: users.all(id, r.room_id) })),
    };
  }
  const head = db
    .prepare<[number], { domain_id: string; taken_at: number; server: string | null }>(
      'SELECT domain_id, taken_at, server FROM im_connection_snapshots WHERE id = ?',
    )
    .get(id);
  if (!head) throw noSnapshot(kind, id);
  return {
    kind,
    id,
    domainId: head.domain_id,
    takenAt: head.taken_at,
    server: head.server,
    connections: db
      .prepare<[number], { from_kind: 'm' | 's'; from_id: string; to_id: string }>(
        'SELECT from_kind, from_id, to_id FROM im_connections WHERE snapshot_id = ? ORDER BY rowid',
      )
      .all(id)
      .map((c) => ({ fromKind: c.from_kind, from: c.from_id, to: c.to_id })),
  };
}
