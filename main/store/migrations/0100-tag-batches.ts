// "Tag all N hits" as a batch of its own: which links it made (batch_id), how many it meant to
// tag and has tagged, whether it finished and whether it was undone. Its search runs off the
// writer and its links are written in short transactions, so the receiver is never held up; the
// batch row says how far it got, and undoing it removes exactly the links it made.
import type { Database } from 'better-sqlite3';

export const version = 100;

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE tag_batches (
      id          INTEGER PRIMARY KEY,
      tag_id      INTEGER NOT NULL REFERENCES tags (id),
      filter      TEXT    NOT NULL,
      planned     INTEGER NOT NULL,
      tagged      INTEGER NOT NULL DEFAULT 0,
      moderator   TEXT    NOT NULL,
      started_at  INTEGER NOT NULL,
      finished_at INTEGER,
      undone_at   INTEGER
    );
    ALTER TABLE tag_links ADD COLUMN batch_id INTEGER REFERENCES tag_batches (id);
    CREATE INDEX tag_links_batch ON tag_links (batch_id) WHERE batch_id IS NOT NULL;
  `);
}
