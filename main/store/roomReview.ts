// How far each room has been reviewed: "reviewed up to" a time, so later entries stand out.
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { ReviewError } from './tags.js';

/** Marks a room reviewed up to `upTo` (default: its newest entry). Answers the mark. */
export function markRoomReviewed(db: Db, room: string, moderator: string, upTo?: number): number {
  return db.transaction(() => {
    // A name can stand for a room in each domain: the mark is the name's, as the desk shows it.
    const rows = db.prepare<[string], { id: number; last_ts: number | null }>('SELECT id, last_ts FROM rooms WHERE name = ?').all(room);
    if (rows.length === 0) throw new ReviewError(`no room "${room}"`);
    const mark = upTo ?? Math.max(...rows.map((r) => r.last_ts ?? 0));
    const at = Date.now();
    const upsert = db.prepare(
      `INSERT INTO room_reviews (room_id, reviewed_to, moderator, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET reviewed_to = excluded.reviewed_to, moderator = excluded.moderator, at = excluded.at`,
    );
    for (const row of rows) upsert.run(row.id, mark, moderator, at);
    appendAudit(db, 'reviewed', moderator, { room, upTo: mark }, at);
    return mark;
  })();
}
