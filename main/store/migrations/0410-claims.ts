// Claims and versions, for a team working one queue. A report gets a holder (who claimed it, or
// was assigned it and by whom) and a version that counts every change to it, with the newest
// change stamped (what, by whom, when) so a desk that decided on an older version is told who got
// there first. Notes get a version and their newest edit; a room's review mark a version.
// Reports decided before keep their newest status change as their stamp.
import type { Database } from 'better-sqlite3';

export const version = 410;

export function up(db: Database): void {
  db.exec(`
    ALTER TABLE abuse_reports ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE abuse_reports ADD COLUMN claimed_by TEXT;
    ALTER TABLE abuse_reports ADD COLUMN claimed_at INTEGER;
    ALTER TABLE abuse_reports ADD COLUMN assigned_by TEXT;
    ALTER TABLE abuse_reports ADD COLUMN changed_what TEXT;
    ALTER TABLE abuse_reports ADD COLUMN changed_by TEXT;
    ALTER TABLE abuse_reports ADD COLUMN changed_at INTEGER;
    CREATE INDEX abuse_reports_claimed ON abuse_reports (claimed_by) WHERE claimed_by IS NOT NULL;

    ALTER TABLE notes ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE notes ADD COLUMN edited_by TEXT;
    ALTER TABLE notes ADD COLUMN edited_at INTEGER;

    ALTER TABLE room_reviews ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

    UPDATE abuse_reports SET
      version = 1 + (SELECT count(*) FROM report_status_changes c WHERE c.report_id = abuse_reports.id),
      (changed_what, changed_by, changed_at) = (
        SELECT CASE WHEN c.from_status IN ('actioned', 'dismissed') THEN 'reopened' ELSE c.to_status END, c.moderator, c.at
        FROM report_status_changes c WHERE c.report_id = abuse_reports.id ORDER BY c.at DESC, c.id DESC LIMIT 1)
    WHERE id IN (SELECT report_id FROM report_status_changes);
  `);
}
