// What a day at the desk needs beside the vendor's data: each "reviewed up to" mark a room was
// given, with the mark before it, so a mark is undone to exactly what it replaced; which rooms a
// purge emptied and when (a room with nothing left says it was purged, not "never"); and the
// indexes that answer "who was there" — a room's roster snapshots by time, a connection list's
// snapshot by time — without reading every snapshot, and a user by their ID in any domain.
import type { Database } from 'better-sqlite3';

export const version = 300;

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE room_review_marks (
      id          INTEGER PRIMARY KEY,
      room_id     INTEGER NOT NULL REFERENCES rooms (id),
      reviewed_to INTEGER NOT NULL,
      -- The mark it replaced (null: the room had none).
      previous    INTEGER,
      moderator   TEXT    NOT NULL,
      at          INTEGER NOT NULL,
      undone_at   INTEGER
    );
    CREATE INDEX room_review_marks_room ON room_review_marks (room_id, id);

    CREATE TABLE room_purges (
      room_id   INTEGER PRIMARY KEY REFERENCES rooms (id),
      -- The last purge that removed entries of the room: when, the date it purged before, how many it took.
      at        INTEGER NOT NULL,
      before    INTEGER NOT NULL,
      removed   INTEGER NOT NULL
    );

    CREATE INDEX connection_snapshot_rooms_room ON connection_snapshot_rooms (room_id, snapshot_id);
    CREATE INDEX connection_snapshots_taken ON connection_snapshots (taken_at);
    CREATE INDEX im_connection_snapshots_taken ON im_connection_snapshots (taken_at);
    -- A user by their ID in any domain: a user's view, record, and the IDs a note names.
    CREATE INDEX users_user_id ON users (user_id);
  `);
}
