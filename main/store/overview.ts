// Summaries for the desk: the room list, one user's activity, the receiver's counters. All read
// from maintained counters or narrow indexes, never a scan of the entries.
import type { RoomSummary, UserActivity } from '../../shared/api.js';
import type { Db } from './db.js';
import { entryPage } from './entryQuery.js';

export function listRooms(db: Db, nameContains: string, limit = 5000): RoomSummary[] {
  const rows = db
    .prepare<[string], { name: string; domain_id: string; entry_count: number; last_ts: number | null }>(
      `SELECT name, domain_id, entry_count, last_ts FROM rooms WHERE instr(lower(name), lower(?)) > 0
       ORDER BY last_ts DESC NULLS LAST, name LIMIT ${Math.trunc(limit)}`,
    )
    .all(nameContains);
  return rows.map((r) => ({ name: r.name, domainId: r.domain_id, entries: r.entry_count, lastActivity: r.last_ts }));
}

export function userActivity(db: Db, userId: string, recent = 200): UserActivity {
  const user = db
    .prepare<[string], { id: number; display_name: string | null }>(
      'SELECT id, display_name FROM users WHERE user_id = ? ORDER BY id LIMIT 1',
    )
    .get(userId);
  if (!user) return { userId, displayName: null, firstSeen: null, lastSeen: null, entries: 0, rooms: [], recent: [] };
  const summary = db
    .prepare<[number], { first: number | null; last: number | null; n: number }>(
      'SELECT min(ts) AS first, max(ts) AS last, count(*) AS n FROM entries WHERE user_id = ?',
    )
    .get(user.id)!;
  const rooms = db
    .prepare<[number], { name: string; n: number; last: number }>(
      'SELECT r.name, count(*) AS n, max(e.ts) AS last FROM entries e JOIN rooms r ON r.id = e.room_id WHERE e.user_id = ? GROUP BY r.id ORDER BY last DESC',
    )
    .all(user.id);
  return {
    userId,
    displayName: user.display_name,
    firstSeen: summary.first,
    lastSeen: summary.last,
    entries: summary.n,
    rooms: rooms.map((r) => ({ name: r.name, entries: r.n, lastSeen: r.last })),
    recent: entryPage(db, { user: userId }, recent, undefined, 'before').entries,
  };
}

export interface ReceiverCounters {
  lastDeliveryAt: number | null;
  deliveriesSince: number;
  quarantined: number;
  entries: number;
}

/** Callback deliveries (the last one's time, how many since `since`), quarantine and entry counts. */
export function receiverCounters(db: Db, since: number): ReceiverCounters {
  return db
    .prepare<[number], ReceiverCounters>(
      `SELECT (SELECT max(received_at) FROM deliveries WHERE source = 'callback') AS lastDeliveryAt,
              (SELECT count(*) FROM deliveries WHERE source = 'callback' AND received_at >= ?) AS deliveriesSince,
              (SELECT count(*) FROM deliveries WHERE status = 'quarantined') AS quarantined,
              (SELECT coalesce(sum(entry_count), 0) FROM rooms) AS entries`,
    )
    .get(since)!;
}
