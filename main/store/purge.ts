// Retention: removes entries older than a date, except what must stay — entries under a hold
// (a tag that is a hold, on the entry, its user or its room) and the reported messages of reports
// still open or in review. The full-text index, the rooms' counts and last activity and the hourly
// activity stay consistent with what remains; the purge is recorded in the audit trail.
import { HOUR_MS } from '../../shared/instant.js';
import { appendAudit } from './audit.js';
import type { Db } from './db.js';

export interface PurgeResult {
  /** Entries removed (with dryRun: that would be). */
  removed: number;
  /** Older entries kept because a hold covers them. */
  held: number;
  /** Older entries kept because a report still open or in review quotes them. */
  reported: number;
  auditId: number | null;
}

const HELD = `(
  e.id IN (SELECT l.target_id FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE t.hold = 1 AND l.target = 'entry')
  OR e.user_id IN (SELECT l.target_id FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE t.hold = 1 AND l.target = 'user')
  OR e.room_id IN (SELECT l.target_id FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE t.hold = 1 AND l.target = 'room'))`;
const REPORTED = `e.id IN (SELECT l.entry_id FROM abuse_report_entries l JOIN abuse_reports a ON a.id = l.report_id
  WHERE a.status IN ('open', 'in review'))`;

export function purgeBefore(db: Db, before: number, options: { dryRun?: boolean; moderator: string }): PurgeResult {
  return db.transaction((): PurgeResult => {
    const count = (sql: string) =>
      db.prepare<[number], number>(`SELECT count(*) FROM entries e WHERE e.ts < ? AND ${sql}`).pluck().get(before)!;
    const held = count(HELD);
    const reported = count(`${REPORTED} AND NOT ${HELD}`);
    db.exec('CREATE TEMP TABLE IF NOT EXISTS purge_ids (id INTEGER PRIMARY KEY); DELETE FROM temp.purge_ids;');
    db.prepare(`INSERT INTO temp.purge_ids SELECT e.id FROM entries e WHERE e.ts < ? AND NOT ${HELD} AND NOT ${REPORTED}`).run(before);
    const removed = db.prepare<[], number>('SELECT count(*) FROM temp.purge_ids').pluck().get()!;
    if (options.dryRun || removed === 0) {
      db.exec('DELETE FROM temp.purge_ids');
      return { removed, held, reported, auditId: null };
    }
    const ids = 'SELECT id FROM temp.purge_ids';
    // The external-content index forgets an entry only when told its content.
    db.exec(`INSERT INTO entries_fts (entries_fts, rowid, content) SELECT 'delete', id, content FROM entries WHERE id IN (${ids})`);
    db.exec(`DELETE FROM tag_links WHERE target = 'entry' AND target_id IN (${ids})`);
    db.exec(`DELETE FROM notes WHERE target = 'entry' AND target_id IN (${ids})`);
    db.exec(`DELETE FROM watch_matches WHERE entry_id IN (${ids})`);
    db.exec(`DELETE FROM abuse_report_entries WHERE entry_id IN (${ids})`);
    // The kept counters: per room, and per room and hour.
    const byHour = db
      .prepare<[], { room_id: number; hour: number; n: number }>(
        `SELECT room_id, (ts - (((ts % ${HOUR_MS}) + ${HOUR_MS}) % ${HOUR_MS})) / ${HOUR_MS} AS hour, count(*) AS n
         FROM entries WHERE id IN (${ids}) GROUP BY room_id, hour`,
      )
      .all();
    const activity = db.prepare('UPDATE activity SET entries = entries - ? WHERE room_id = ? AND hour = ?');
    const rooms = new Map<number, number>();
    for (const { room_id, hour, n } of byHour) {
      activity.run(n, room_id, hour);
      rooms.set(room_id, (rooms.get(room_id) ?? 0) + n);
    }
    db.exec('DELETE FROM activity WHERE entries <= 0');
    db.exec(`DELETE FROM entries WHERE id IN (${ids})`);
    const room = db.prepare(
      'UPDATE rooms SET entry_count = entry_count - ?, last_ts = (SELECT max(ts) FROM entries e WHERE e.room_id = rooms.id) WHERE id = ?',
    );
    for (const [roomId, n] of rooms) room.run(n, roomId);
    db.exec('DELETE FROM temp.purge_ids');
    const auditId = appendAudit(db, 'purge', options.moderator, { before: new Date(before).toISOString(), removed, held, reported });
    return { removed, held, reported, auditId };
  })();
}
