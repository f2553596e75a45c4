// The instant messenger's deliveries: who is connected to whom (sendConnectionList's
// <connectionList>, a snapshot of its own shape), and the members a notifyConnectionClosed or
// sendPendingMessages callback names (memberID, targetMemberID).
import type { Database } from 'better-sqlite3';

export const version = 60;

export function up(db: Database): void {
  db.exec(`
    ALTER TABLE deliveries ADD COLUMN member_id TEXT;
    ALTER TABLE deliveries ADD COLUMN target_member_id TEXT;

    CREATE TABLE im_connection_snapshots (
      id          INTEGER PRIMARY KEY,
      delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
      domain_id   TEXT    NOT NULL,
      server      TEXT,
      taken_at    INTEGER NOT NULL
    );
    CREATE TABLE im_connections (
      snapshot_id INTEGER NOT NULL REFERENCES im_connection_snapshots (id),
      -- m: a member id, s: a session id
      from_kind   TEXT    NOT NULL CHECK (from_kind IN ('m', 's')),
      from_id     TEXT    NOT NULL,
      to_id       TEXT    NOT NULL
    );
    CREATE INDEX im_connections_snapshot ON im_connections (snapshot_id);
  `);
}
