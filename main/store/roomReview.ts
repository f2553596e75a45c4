// How far each room has been reviewed: "reviewed up to" a time, so later entries stand out. A mark
// names the version of the mark the moderator saw (0: none yet): one made on an older mark is
// refused with who moved it since, and nothing is changed. Every mark is kept with the one it
// replaced (room_review_marks), so the last mark can be undone to exactly what was there before: a
// mark put too far (the newest entry, when the moderator had read up to the end of a zoomed range)
// is taken back in one action, audited.
import { ConflictError } from '../../shared/conflict.js';
import type { ClaimsMode } from '../../shared/review.js';
import { appendAudit } from './audit.js';
import { claimsMode } from './claims.js';
import type { Db } from './db.js';
import { ReviewError } from './tags.js';

/** A room of the name, with its mark (nulls: none), as both engines read it. */
export interface MarkRow {
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
  domain?: string,
): { reviewedTo: number; version: number } {
  return db.transaction(() => {
    // A name can stand for a room in each domain: without one, the mark is the name's.
    const rows = db
      .prepare<[string, string | null, string | null], MarkRow>(
        `SELECT r.id, r.last_ts, rr.reviewed_to, rr.moderator, rr.at, rr.version FROM rooms r LEFT JOIN room_reviews rr ON rr.room_id = r.id
         WHERE r.name = ? AND (? IS NULL OR r.domain_id = ?)`,
      )
      .all(room, domain ?? null, domain ?? null);
    if (rows.length === 0) throw new ReviewError(noRoom(room, domain));
    const current = markOf(rows);
    const stale = staleMark(room, seen, current, () => claimsMode(db));
    if (stale) throw stale;
    const mark = upTo ?? Math.max(...rows.map((r) => r.last_ts ?? 0));
    const at = Date.now();
    const version = current.version + 1;
    // Every room of the name gets the same version: the desk shows the name's mark.
    const upsert = db.prepare(
      `INSERT INTO room_reviews (room_id, reviewed_to, moderator, at, version) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET reviewed_to = excluded.reviewed_to, moderator = excluded.moderator, at = excluded.at, version = excluded.version`,
    );
    const remember = db.prepare('INSERT INTO room_review_marks (room_id, reviewed_to, previous, moderator, at) VALUES (?, ?, ?, ?, ?)');
    for (const row of rows) {
      remember.run(row.id, mark, row.reviewed_to, moderator, at);
      upsert.run(row.id, mark, moderator, at, version);
    }
    appendAudit(db, 'reviewed', moderator, { room, ...inDomain(domain), upTo: mark, previous: current.reviewedTo }, at);
    return { reviewedTo: mark, version };
  })();
}

/**
 * The conflict a mark made on `seen` meets when the name's mark is `current` (null: none): a
 * version that is not the current one, or none while claims are required (`claims` is asked only then).
 */
export function staleMark(room: string, seen: number | undefined, current: NameMark, claims: () => ClaimsMode): ConflictError | null {
  if (seen === current.version || (seen === undefined && claims() !== 'required')) return null;
  const change =
    seen === undefined
      ? { change: 'no version', by: null, at: null }
      : { change: 'marked reviewed', by: current.moderator, at: current.at };
  return new ConflictError(
    seen === undefined
      ? 'claims are required here, so a review mark names the mark this desk saw, and this desk sent none: reload it'
      : `the review mark of "${room}" moved since this desk saw it: marked reviewed up to ${isoOf(current.reviewedTo)} by ${current.moderator} at ${isoOf(current.at)}. Nothing was changed.`,
    { subject: 'review mark', id: room, version: current.version, ...change, current: { reviewedTo: current.reviewedTo } },
  );
}

function roomsNamed(db: Db, room: string, domain: string | undefined): Array<{ id: number; last_ts: number | null }> {
  // A name can stand for a room in each domain: without one, the mark is the name's.
  const rows = db
    .prepare<[string, string | null, string | null], { id: number; last_ts: number | null }>(
      'SELECT id, last_ts FROM rooms WHERE name = ? AND (? IS NULL OR domain_id = ?)',
    )
    .all(room, domain ?? null, domain ?? null);
  if (rows.length === 0) throw new ReviewError(noRoom(room, domain));
  return rows;
}

export const noRoom = (room: string, domain: string | undefined) =>
  domain === undefined ? `no room "${room}"` : `no room "${room}" in domain "${domain}"`;
/** The domain in an audit row's details, when the mark was one domain's room. */
export const inDomain = (domain: string | undefined) => (domain === undefined ? {} : { domain });

const isoOf = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString());

/** A room name's mark as the desk shows it (version 0: none). */
export interface NameMark {
  version: number;
  reviewedTo: number | null;
  moderator: string | null;
  at: number | null;
}

/** The name's mark: its newest version among its rooms (0 when none is marked). */
export function markOf(rows: MarkRow[]): NameMark {
  const newest = rows.reduce<MarkRow | null>(
    (best, row) => (row.version !== null && (best === null || row.version > best.version!) ? row : best),
    null,
  );
  return newest === null
    ? { version: 0, reviewedTo: null, moderator: null, at: null }
    : { version: newest.version!, reviewedTo: newest.reviewed_to, moderator: newest.moderator, at: newest.at };
}

/**
 * Undoes the room's last mark (one not undone yet): the mark goes back to the one it replaced, or
 * the room to never reviewed. Answers the mark now in place (null: none).
 */
export function undoRoomReview(db: Db, room: string, moderator: string, domain?: string): { reviewedTo: number | null; undone: number } {
  return db.transaction(() => {
    const rows = roomsNamed(db, room, domain);
    const last = db.prepare<[number], { id: number; reviewed_to: number; previous: number | null; at: number }>(
      'SELECT id, reviewed_to, previous, at FROM room_review_marks WHERE room_id = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1',
    );
    const current = db.prepare<[number], number>('SELECT reviewed_to FROM room_reviews WHERE room_id = ?').pluck();
    const marks = rows.map((row) => ({ room: row.id, mark: last.get(row.id) }));
    const newest = marks.reduce<number>((n, m) => Math.max(n, m.mark?.at ?? -1), -1);
    if (newest < 0) throw new ReviewError(`#${room} has no review mark to undo`);
    const at = Date.now();
    let undone: number | null = null;
    let restored: number | null = null;
    for (const { room: roomId, mark } of marks) {
      // The marks put in that one action (one per domain of the name), and only while still in place.
      if (!mark || mark.at !== newest || current.get(roomId) !== mark.reviewed_to) continue;
      undone = mark.reviewed_to;
      restored = mark.previous;
      if (mark.previous === null) db.prepare('DELETE FROM room_reviews WHERE room_id = ?').run(roomId);
      else
        // A change like any other: its version moves on, so a desk that saw the undone mark is told.
        db.prepare('UPDATE room_reviews SET reviewed_to = ?, moderator = ?, at = ?, version = version + 1 WHERE room_id = ?').run(
          mark.previous,
          moderator,
          at,
          roomId,
        );
      db.prepare('UPDATE room_review_marks SET undone_at = ? WHERE id = ?').run(at, mark.id);
    }
    if (undone === null) throw new ReviewError(`the last review mark of #${room} was changed since: nothing was undone`);
    appendAudit(db, 'review undone', moderator, { room, ...inDomain(domain), undone, restored }, at);
    return { reviewedTo: restored, undone };
  })();
}
