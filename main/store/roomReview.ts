// How far each room has been reviewed: "reviewed up to" a time, so later entries stand out. A mark
// names the version of the mark the moderator saw (0: none yet): one made on an older mark is
// refused with who moved it since, and nothing is changed.
import { ConflictError } from '../../shared/conflict.js';
import { appendAudit } from './audit.js';
import { claimsMode } from './claims.js';
import type { Db } from './db.js';
import { ReviewError } from './tags.js';

interface MarkRow {
  id: number;
  last_ts: number | null;
  reviewed_to: number | null;
  moderator: string | null;
  at: number | null;
  version: number | null;
}

/**
 * Marks a room reviewed up to `upTo` (default: its newest entry). Answers the mark and its version.
 * `seen` is the version of the mark the desk showed; a desk that sends none (an older one) is
 * taken at its word unless claims are required here.
 */
export function markRoomReviewed(
  db: Db,
  room: string,
  moderator: string,
  upTo?: number,
  seen?: number,
): { reviewedTo: number; version: number } {
  return db.transaction(() => {
    // A name can stand for a room in each domain: the mark is the name's, as the desk shows it.
    const rows = db
      .prepare<[string], MarkRow>(
        'SELECT r.id, r.last_ts, rr.reviewed_to, rr.moderator, rr.at, rr.version FROM rooms r LEFT JOIN room_reviews rr ON rr.room_id = r.id WHERE r.name = ?',
      )
      .all(room);
    if (rows.length === 0) throw new ReviewError(`no room "${room}"`);
    const current = markOf(rows);
    if (seen !== current.version && (seen !== undefined || claimsMode(db) === 'required')) {
      const change =
        seen === undefined
          ? { change: 'no version', by: null, at: null }
          : { change: 'marked reviewed', by: current.moderator, at: current.at };
      throw new ConflictError(
        seen === undefined
          ? 'claims are required here, so a review mark names the mark this desk saw, and this desk sent none: reload it'
          : `the review mark of "${room}" moved since this desk saw it: marked reviewed up to ${isoOf(current.reviewedTo)} by ${current.moderator} at ${isoOf(current.at)}. Nothing was changed.`,
        { subject: 'review mark', id: room, version: current.version, ...change, current: { reviewedTo: current.reviewedTo } },
      );
    }
    const mark = upTo ?? Math.max(...rows.map((r) => r.last_ts ?? 0));
    const at = Date.now();
    const version = current.version + 1;
    // Every room of the name gets the same version: the desk shows the name's mark.
    const upsert = db.prepare(
      `INSERT INTO room_reviews (room_id, reviewed_to, moderator, at, version) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET reviewed_to = excluded.reviewed_to, moderator = excluded.moderator, at = excluded.at, version = excluded.version`,
    );
    for (const row of rows) upsert.run(row.id, mark, moderator, at, version);
    appendAudit(db, 'reviewed', moderator, { room, upTo: mark }, at);
    return { reviewedTo: mark, version };
  })();
}

const isoOf = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString());

/** The name's mark: its newest version among its rooms (0 when none is marked). */
function markOf(rows: MarkRow[]): { version: number; reviewedTo: number | null; moderator: string | null; at: number | null } {
  const newest = rows.reduce<MarkRow | null>(
    (best, row) => (row.version !== null && (best === null || row.version > best.version!) ? row : best),
    null,
  );
  return newest === null
    ? { version: 0, reviewedTo: null, moderator: null, at: null }
    : { version: newest.version!, reviewedTo: newest.reviewed_to, moderator: newest.moderator, at: newest.at };
}
