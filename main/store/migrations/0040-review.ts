// The review workflow's first tables: an abuse report's reason (the later form of the report) and
// its place in the queue (open → in review → actioned / dismissed), each change of it, and the
// audit trail: every moderator action, hash-chained so an edited, removed or reordered row shows.
import type { Database } from 'better-sqlite3';

export const version = 40;

export function up(db: Database): void {
  db.exec(`
    ALTER TABLE abuse_reports ADD COLUMN reason TEXT;
    ALTER TABLE abuse_reports ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
      CHECK (status IN ('open', 'in review', 'actioned', 'dismissed'));
    CREATE INDEX abuse_reports_status ON abuse_reports (status, received_at);

    CREATE TABLE audit_log (
      id        INTEGER PRIMARY KEY,
      at        INTEGER NOT NULL,
      moderator TEXT    NOT NULL,
      action    TEXT    NOT NULL,
      details   TEXT    NOT NULL,
      prev_hash TEXT    NOT NULL,
      hash      TEXT    NOT NULL
    );

    -- The chain's newest row, kept apart: removing the last rows of the log shows too.
    CREATE TABLE audit_head (
      one  INTEGER PRIMARY KEY CHECK (one = 1),
      rows INTEGER NOT NULL,
      hash TEXT    NOT NULL
    );

    CREATE TABLE report_status_changes (
      id          INTEGER PRIMARY KEY,
      report_id   INTEGER NOT NULL REFERENCES abuse_reports (id),
      at          INTEGER NOT NULL,
      moderator   TEXT    NOT NULL,
      from_status TEXT    NOT NULL,
      to_status   TEXT    NOT NULL,
      reason      TEXT,
      audit_id    INTEGER NOT NULL REFERENCES audit_log (id)
    );
    CREATE INDEX report_status_changes_report ON report_status_changes (report_id, at);
  `);
}
