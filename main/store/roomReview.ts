// How far each room has been reviewed: "reviewed up to" a time, so later entries stand out. Every
// mark is kept with the one it replaced (room_review_marks), so the last mark can be undone to
// exactly what was there before: a mark put too far (the newest entry, when the moderator had
// read up to the end of a zoomed range) is taken back in one action, audited.
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { ReviewError } from './tags.js';

function roomsNamed(db: Db, room: string): Array<{ id: number; last_ts: number | null }> {
  // A name can stand for a room in each domain: the mark is the name's, as the desk shows it.
  const rows = db.prepare<[string], { id: number; last_ts: number | null }>('SELECT id, last_ts FROM rooms WHERE name = ?').all(room);
  if (rows.length === 0) throw new ReviewError(`no room "${room}"`);
  return rows;
}

/** Marks a room reviewed up to `upTo` (default: its newest entry). Answers the mark. */
export function markRoomReviewed(db: Db, room: string, moderator: string, upTo?: number): number {
  return db.transaction(() => {
    const rows = roomsNamed(db, room);
    const mark = upTo ?? Math.max(...rows.map((r) => r.last_ts ?? 0));
    const at = Date.now();
    const previous = db.prepare<[number], number>('SELECT reviewed_to FROM room_reviews WHERE room_id = ?').pluck();
    const remember = db.prepare('INSERT INTO room_review_marks (room_id, reviewed_to, previous, moderator, at) VALUES (?, ?, ?, ?, ?)');
    const upsert = db.prepare(
      `INSERT INTO room_reviews (room_id, reviewed_to, moderator, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET reviewed_to = excluded.reviewed_to, moderator = excluded.moderator, at = excluded.at`,
    );
    let before: number | null = null;
    for (const row of rows) {
      const was = previous.get(row.id) ?? null;
      before ??= was;
      remember.run(row.id, mark, was, moderator, at);
      upsert.run(row.id, mark, moderator, at);
    }
    appendAudit(db, 'reviewed', moderator, { room, upTo: mark, previous: before }, at);
    return mark;
  })();
}

/**
 * Undoes the room's last mark (one not undone yet): the mark goes back to the one it replaced, or
 * the room to never reviewed. Answers the mark now in place (null: none).
 */
export function undoRoomReview(db: Db, room: string, moderator: string): { reviewedTo: number | null; undone: number } {
  return db.transaction(() => {
    const rows = roomsNamed(db, room);
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
        db.prepare('UPDATE room_reviews SET reviewed_to = ?, moderator = ?, at = ? WHERE room_id = ?').run(
          mark.previous,
          moderator,
          at,
          roomId,
        );
      db.prepare('UPDATE room_review_marks SET undone_at = ? WHERE id = ?').run(at, mark.id);
    }
    if (undone === null) throw new ReviewError(`the last review mark of #${room} was changed since: nothing was undone`);
    appendAudit(db, 'review undone', moderator, { room, undone, restored }, at);
    return { reviewedTo: restored, undone };
  })();
}
