// Summaries for the desk: the room list, one user's activity, the receiver's counters. All read
// from maintained counters or narrow indexes, never a scan of the entries.
import type { RoomSummary, UserActivity } from '../../shared/api.js';
import { prepareCached, type Db } from './db.js';
import { entryPage } from './entryQuery.js';

/** A room's row as the room list reads it (both engines). */
export interface RoomRow {
  id: number;
  name: string;
  domain_id: string;
  entry_count: number;
  last_ts: number | null;
  reviewed_to: number | null;
  review_version: number | null;
  unreviewed: number;
  purged_at: number | null;
  purged_before: number | null;
}

export function listRooms(db: Db, nameContains: string, limit = 5000): RoomSummary[] {
  const rows = db
    .prepare<[string], RoomRow>(
      `SELECT r.id, r.name, r.domain_id, r.entry_count, r.last_ts, rr.reviewed_to, rr.version AS review_version,
         CASE WHEN rr.reviewed_to IS NULL THEN r.entry_count
              ELSE (SELECT count(*) FROM entries e WHERE e.room_id = r.id AND e.ts > rr.reviewed_to) END AS unreviewed,
         rp.at AS purged_at, rp.before AS purged_before
       FROM rooms r LEFT JOIN room_reviews rr ON rr.room_id = r.id LEFT JOIN room_purges rp ON rp.room_id = r.id
       WHERE instr(lower(r.name), lower(?)) > 0
       ORDER BY r.last_ts DESC NULLS LAST, r.name, r.id LIMIT ${Math.trunc(limit)}`,
    )
    .all(nameContains);
  // Unseen watchlist matches, by room: few at a time, counted once for all rooms.
  const alerts = new Map(
    db
      .prepare<[], [number, number]>(
        'SELECT e.room_id, count(DISTINCT m.entry_id) FROM watch_matches m JOIN entries e ON e.id = m.entry_id WHERE m.seen = 0 GROUP BY e.room_id',
      )
      .raw()
      .all(),
  );
  return roomSummaries(rows, alerts, (r) => usersNamedIn(db, r.domain_id, r.name));
}

/** The room list's entries from its rows, the unseen watch matches by room and the user IDs each name holds. */
export function roomSummaries(rows: RoomRow[], alerts: ReadonlyMap<number, number>, nameUsers: (row: RoomRow) => string[]): RoomSummary[] {
  // Each room's own mark and its version: the desk marks the room of its domain (roomReview.ts).
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    domainId: r.domain_id,
    entries: r.entry_count,
    lastActivity: r.last_ts,
    reviewedTo: r.reviewed_to,
    reviewVersion: r.review_version ?? 0,
    unreviewed: r.unreviewed,
    alerts: alerts.get(r.id) ?? 0,
    purged: r.purged_at === null || r.purged_before === null ? null : { at: r.purged_at, before: r.purged_before },
    nameUsers: nameUsers(r),
  }));
}

/** The words of a room's name that may be user IDs: runs of letters, digits and _, as user IDs are written. */
export const roomNameWords = (name: string): string[] => [...new Set(name.split(/[^\p{L}\p{N}_]+/u).filter(Boolean))];

/**
 * The user IDs a room's name holds: its words that are users of its domain, in the order of
 * their IDs. A 1:1 room is named after both people in it; with pseudonyms on, the desk shows
 * those words as the users' pseudonyms.
 */
export function usersNamedIn(db: Db, domainId: string, name: string): string[] {
  const words = roomNameWords(name);
  if (words.length === 0) return [];
  return prepareCached<[string, string], string>(
    db,
    'SELECT user_id FROM users WHERE domain_id = ? AND user_id IN (SELECT value FROM json_each(?)) ORDER BY user_id',
  )
    .pluck()
    .all(domainId, JSON.stringify(words));
}

/** A user's activity: in one chat domain when `domain` says which (a user ID is a user in each domain), else the first seen. */
export function userActivity(db: Db, userId: string, recent = 200, domain?: string): UserActivity {
  const user = db
    .prepare<[string, string | null, string | null], { id: number; display_name: string | null }>(
      'SELECT id, display_name FROM users WHERE user_id = ? AND (? IS NULL OR domain_id = ?) ORDER BY id LIMIT 1',
    )
    .get(userId, domain ?? null, domain ?? null);
  if (!user) return { id: null, userId, displayName: null, firstSeen: null, lastSeen: null, entries: 0, rooms: [], recent: [] };
  const summary = db
    .prepare<[number], { first: number | null; last: number | null; n: number }>(
      'SELECT min(ts) AS first, max(ts) AS last, count(*) AS n FROM entries WHERE user_id = ?',
    )
    .get(user.id)!;
  const rooms = db
    .prepare<[number], { name: string; domain_id: string; n: number; last: number }>(
      'SELECT r.name, r.domain_id, count(*) AS n, max(e.ts) AS last FROM entries e JOIN rooms r ON r.id = e.room_id WHERE e.user_id = ? GROUP BY r.id ORDER BY n DESC, last DESC, r.id',
    )
    .all(user.id);
  return {
    id: user.id,
    userId,
    displayName: user.display_name,
    firstSeen: summary.first,
    lastSeen: summary.last,
    entries: summary.n,
    rooms: rooms.map((r) => ({ name: r.name, domainId: r.domain_id, entries: r.n, lastSeen: r.last })),
    recent: entryPage(db, { user: userId, ...(domain === undefined ? {} : { domain }) }, recent, undefined, 'before').entries,
  };
}

export interface ReceiverCounters {
  lastDeliveryAt: number | null;
  deliveriesSince: number;
  quarantined: number;
  entries: number;
  alerts: number;
  openReports: number;
}

/** Callback deliveries (the last one's time, how many since `since`), quarantine and entry counts. */
export function receiverCounters(db: Db, since: number): ReceiverCounters {
  return db
    .prepare<[number], ReceiverCounters>(
      `SELECT (SELECT max(received_at) FROM deliveries WHERE source = 'callback') AS lastDeliveryAt,
              (SELECT count(*) FROM deliveries WHERE source = 'callback' AND received_at >= ?) AS deliveriesSince,
              (SELECT count(*) FROM deliveries WHERE status = 'quarantined') AS quarantined,
              (SELECT coalesce(sum(entry_count), 0) FROM rooms) AS entries,
              (SELECT count(DISTINCT entry_id) FROM watch_matches WHERE seen = 0) AS alerts,
              (SELECT count(*) FROM abuse_reports WHERE status IN ('open', 'in review')) AS openReports`,
    )
    .get(since)!;
}
