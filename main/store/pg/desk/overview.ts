// The room list, one user's activity and the receiver's counters over PostgreSQL: what
// store/overview.ts answers over SQLite, value for value. SQLite's lower() folds ASCII letters
// only, as omv_nocase() does; names sort by their bytes (SQLite's BINARY: COLLATE "C").
import type { RoomSummary, UserActivity } from '../../../../shared/api.js';
import { roomNameWords, roomSummaries, type ReceiverCounters, type RoomRow } from '../../overview.js';
import { pgText, type ReadPool } from '../connection.js';
import type { PgReads } from '../reads.js';
import type pg from 'pg';

/** Epoch ms as a bigint bound: `x >= ms` for a whole x holds exactly when `x >= ceil(ms)`. */
const lowBound = (ms: number) => Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Math.ceil(ms)));

export async function listRooms({ pool }: ReadPool, nameContains: string, limit = 5000): Promise<RoomSummary[]> {
  const [rows, alerts] = await Promise.all([
    pool.query<RoomRow>(
      `SELECT r.id, r.name, r.domain_id, r.entry_count, r.last_ts, rr.reviewed_to, rr.version AS review_version,
         CASE WHEN rr.reviewed_to IS NULL THEN r.entry_count
              ELSE (SELECT count(*) FROM entries e WHERE e.room_id = r.id AND e.ts > rr.reviewed_to) END AS unreviewed,
         rp.at AS purged_at, rp.before AS purged_before
       FROM rooms r LEFT JOIN room_reviews rr ON rr.room_id = r.id LEFT JOIN room_purges rp ON rp.room_id = r.id
       WHERE strpos(omv_nocase(r.name), omv_nocase($1)) > 0
       ORDER BY r.last_ts DESC NULLS LAST, r.name COLLATE "C", r.id LIMIT ${Math.trunc(limit)}`,
      [pgText(nameContains)],
    ),
    pool.query<{ room_id: number; n: number }>(
      `SELECT e.room_id, count(DISTINCT m.entry_id) AS n FROM watch_matches m JOIN entries e ON e.id = m.entry_id
       WHERE m.seen = 0 GROUP BY e.room_id`,
    ),
  ]);
  const named = await usersNamedInRooms(pool, rows.rows);
  return roomSummaries(rows.rows, new Map(alerts.rows.map((a) => [a.room_id, a.n])), (r) => named.get(r.id) ?? []);
}

/** usersNamedIn (store/overview.ts) for every room at once: the user IDs of its domain its name's words are, in their order. */
async function usersNamedInRooms(pool: pg.Pool, rooms: RoomRow[]): Promise<Map<number, string[]>> {
  const roomIds: number[] = [];
  const words: string[] = [];
  for (const room of rooms)
    for (const word of roomNameWords(room.name)) {
      roomIds.push(room.id);
      words.push(word);
    }
  if (words.length === 0) return new Map();
  const found = await pool.query<{ room_id: number; users: string[] }>(
    `SELECT w.room_id, array_agg(u.user_id ORDER BY u.user_id COLLATE "C") AS users
     FROM unnest($1::bigint[], $2::text[]) AS w (room_id, word)
       JOIN rooms r ON r.id = w.room_id JOIN users u ON u.domain_id = r.domain_id AND u.user_id = w.word
     GROUP BY w.room_id`,
    [roomIds, words],
  );
  return new Map(found.rows.map((row) => [row.room_id, row.users]));
}

/** store/overview.ts's userActivity: in one chat domain when `domain` says which, else the first seen. */
export async function userActivity(
  { pool }: ReadPool,
  reads: PgReads,
  userId: string,
  recent = 200,
  domain?: string,
): Promise<UserActivity> {
  const asked = pgText(userId);
  const inDomain = domain === undefined ? null : pgText(domain);
  const user = (
    await pool.query<{ id: number; display_name: string | null }>(
      'SELECT id, display_name FROM users WHERE user_id = $1 AND ($2::text IS NULL OR domain_id = $2) ORDER BY id LIMIT 1',
      [asked, inDomain],
    )
  ).rows[0];
  if (!user) return { id: null, userId, displayName: null, firstSeen: null, lastSeen: null, entries: 0, rooms: [], recent: [] };
  const [summary, rooms, page] = await Promise.all([
    pool.query<{ first: number | null; last: number | null; n: number }>(
      'SELECT min(ts) AS first, max(ts) AS last, count(*) AS n FROM entries WHERE user_id = $1',
      [user.id],
    ),
    pool.query<{ name: string; domain_id: string; n: number; last: number }>(
      `SELECT r.name, r.domain_id, count(*) AS n, max(e.ts) AS last FROM entries e JOIN rooms r ON r.id = e.room_id WHERE e.user_id = $1
       GROUP BY r.id ORDER BY n DESC, last DESC, r.id`,
      [user.id],
    ),
    reads.timeline({ user: asked, ...(inDomain === null ? {} : { domain: inDomain }) }, recent, undefined, 'before'),
  ]);
  const { first, last, n } = summary.rows[0]!;
  return {
    id: user.id,
    userId,
    displayName: user.display_name,
    firstSeen: first,
    lastSeen: last,
    entries: n,
    rooms: rooms.rows.map((r) => ({ name: r.name, domainId: r.domain_id, entries: r.n, lastSeen: r.last })),
    recent: page.entries,
  };
}

/** Callback deliveries (the last one's time, how many since `since`), quarantine and entry counts. */
export async function receiverCounters({ pool }: ReadPool, since: number): Promise<ReceiverCounters> {
  return (
    await pool.query<ReceiverCounters>(
      `SELECT (SELECT max(received_at) FROM deliveries WHERE source = 'callback') AS "lastDeliveryAt",
              (SELECT count(*) FROM deliveries WHERE source = 'callback' AND received_at >= $1) AS "deliveriesSince",
              (SELECT count(*) FROM deliveries WHERE status = 'quarantined') AS quarantined,
              (SELECT coalesce(sum(entry_count), 0)::bigint FROM rooms) AS entries,
              (SELECT count(DISTINCT entry_id) FROM watch_matches WHERE seen = 0) AS alerts,
              (SELECT count(*) FROM abuse_reports WHERE status IN ('open', 'in review')) AS "openReports"`,
      [lowBound(since)],
    )
  ).rows[0]!;
}
