// Review marks over PostgreSQL, as store/roomReview.ts makes them over SQLite: a room name marked
// reviewed on the version of its mark the desk saw (a stale one is refused with the same conflict),
// each mark kept with the one it replaced, the last one undone. A mark and an undo of the same name
// hold REVIEW_MARK_LOCK for it while they read the marks and write the next: two desks at once are
// made one after the other, and the second is checked against the first's mark, as on SQLite.
import { DEFAULT_CLAIMS_MODE, isClaimsMode } from '../../../../shared/review.js';
import { inDomain, markOf, noRoom, staleMark, type MarkRow } from '../../roomReview.js';
import { ReviewError } from '../../tags.js';
import { inWriteTransaction, pgText, type WriteSession } from '../connection.js';
import type { PgEngine } from '../engine.js';
import { REVIEW_MARK_LOCK } from '../locks.js';
import { appendAuditRow } from '../writes.js';

/** Holds the name's review mark until the transaction ends. */
async function lockMarksOf(session: WriteSession, room: string): Promise<void> {
  await session.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [REVIEW_MARK_LOCK, room]);
}

/**
 * Marks a room reviewed up to `upTo` (default: its newest entry). Answers the mark and its version.
 * `seen` is the version of the mark the desk showed; none is taken at its word unless claims are required.
 */
export async function markRoomReviewed(
  engine: PgEngine,
  room: string,
  moderator: string,
  upTo?: number,
  seen?: number,
  domain?: string,
): Promise<{ reviewedTo: number; version: number }> {
  // A time a bigint column holds; SQLite would keep a fraction as it came (no desk sends one).
  if (upTo !== undefined && !Number.isSafeInteger(upTo)) throw new ReviewError('a review mark is a time in whole milliseconds');
  const name = pgText(room);
  return inWriteTransaction(
    engine.writes.writer.pool,
    async (session) => {
      await lockMarksOf(session, name);
      // A name can stand for a room in each domain: without one, the mark is the name's.
      const { rows } = await session.query<MarkRow>(
        `SELECT r.id, r.last_ts, rr.reviewed_to, rr.moderator, rr.at, rr.version
         FROM rooms r LEFT JOIN room_reviews rr ON rr.room_id = r.id WHERE r.name = $1 AND ($2::text IS NULL OR r.domain_id = $2) ORDER BY r.id`,
        [name, domainOf(domain)],
      );
      if (rows.length === 0) throw new ReviewError(noRoom(room, domain));
      const current = markOf(rows);
      const claims = await claimsMode(session);
      const stale = staleMark(room, seen, current, () => claims);
      if (stale) throw stale;
      const mark = upTo ?? Math.max(...rows.map((r) => r.last_ts ?? 0));
      const at = Date.now();
      const version = current.version + 1;
      // Every room of the name gets the same version: the desk shows the name's mark.
      for (const row of rows) {
        await session.query('INSERT INTO room_review_marks (room_id, reviewed_to, previous, moderator, at) VALUES ($1, $2, $3, $4, $5)', [
          row.id,
          mark,
          row.reviewed_to,
          pgText(moderator),
          at,
        ]);
        await session.query(
          `INSERT INTO room_reviews (room_id, reviewed_to, moderator, at, version) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (room_id) DO UPDATE SET reviewed_to = excluded.reviewed_to, moderator = excluded.moderator, at = excluded.at, version = excluded.version`,
          [row.id, mark, pgText(moderator), at, version],
        );
      }
      await appendAuditRow(session, 'reviewed', moderator, { room, ...inDomain(domain), upTo: mark, previous: current.reviewedTo }, at);
      return { reviewedTo: mark, version };
    },
    { confirmed: true },
  );
}

/** How reports are claimed here (the setting, else the default), as claims.ts's claimsMode reads it. */
async function claimsMode(session: WriteSession) {
  const value = (await session.query<{ value: string }>("SELECT value FROM settings WHERE key = 'claims'")).rows[0]?.value ?? null;
  return isClaimsMode(value) ? value : DEFAULT_CLAIMS_MODE;
}

const domainOf = (domain: string | undefined) => (domain === undefined ? null : pgText(domain));

interface LastMark {
  id: number;
  reviewed_to: number;
  previous: number | null;
  at: number;
}

/**
 * Undoes the room's last mark (one not undone yet): the mark goes back to the one it replaced, or
 * the room to never reviewed. Answers the mark now in place (null: none).
 */
export async function undoRoomReview(
  engine: PgEngine,
  room: string,
  moderator: string,
  domain?: string,
): Promise<{ reviewedTo: number | null; undone: number }> {
  const name = pgText(room);
  return inWriteTransaction(
    engine.writes.writer.pool,
    async (session) => {
      await lockMarksOf(session, name);
      const rooms = (
        await session.query<{ id: number }>('SELECT id FROM rooms WHERE name = $1 AND ($2::text IS NULL OR domain_id = $2) ORDER BY id', [
          name,
          domainOf(domain),
        ])
      ).rows;
      if (rooms.length === 0) throw new ReviewError(noRoom(room, domain));
      const marks: Array<{ room: number; mark: LastMark | undefined; current: number | undefined }> = [];
      for (const { id } of rooms) {
        const mark = (
          await session.query<LastMark>(
            'SELECT id, reviewed_to, previous, at FROM room_review_marks WHERE room_id = $1 AND undone_at IS NULL ORDER BY id DESC LIMIT 1',
            [id],
          )
        ).rows[0];
        const current = (await session.query<{ reviewed_to: number }>('SELECT reviewed_to FROM room_reviews WHERE room_id = $1', [id]))
          .rows[0];
        marks.push({ room: id, mark, current: current?.reviewed_to });
      }
      const newest = marks.reduce<number>((n, m) => Math.max(n, m.mark?.at ?? -1), -1);
      if (newest < 0) throw new ReviewError(`#${room} has no review mark to undo`);
      const at = Date.now();
      let undone: number | null = null;
      let restored: number | null = null;
      for (const { room: roomId, mark, current } of marks) {
        // The marks put in that one action (one per domain of the name), and only while still in place.
        if (!mark || mark.at !== newest || current !== mark.reviewed_to) continue;
        undone = mark.reviewed_to;
        restored = mark.previous;
        if (mark.previous === null) await session.query('DELETE FROM room_reviews WHERE room_id = $1', [roomId]);
        else
          // A change like any other: its version moves on, so a desk that saw the undone mark is told.
          await session.query(
            'UPDATE room_reviews SET reviewed_to = $1, moderator = $2, at = $3, version = version + 1 WHERE room_id = $4',
            [mark.previous, pgText(moderator), at, roomId],
          );
        await session.query('UPDATE room_review_marks SET undone_at = $1 WHERE id = $2', [at, mark.id]);
      }
      if (undone === null) throw new ReviewError(`the last review mark of #${room} was changed since: nothing was undone`);
      await appendAuditRow(session, 'review undone', moderator, { room, ...inDomain(domain), undone, restored }, at);
      return { reviewedTo: restored, undone };
    },
    { confirmed: true },
  );
}
