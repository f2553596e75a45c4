// The first schema: deliveries (every payload received, raw), what they contain (rooms, users,
// entries with an FTS5 index over content), abuse reports and connection-list snapshots.
import type { Database } from 'better-sqlite3';

export const version = 10;

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE deliveries (
      id            INTEGER PRIMARY KEY,
      source        TEXT    NOT NULL CHECK (source IN ('callback', 'import')),
      function      TEXT,
      domain_id     TEXT    NOT NULL DEFAULT '',
      type          TEXT,
      call_id       TEXT,
      received_at   INTEGER NOT NULL,
      payload       BLOB,
      payload_size  INTEGER NOT NULL,
      sha256        TEXT    NOT NULL,
      file_path     TEXT,
      status        TEXT    NOT NULL CHECK (status IN ('importing', 'stored', 'quarantined')),
      error         TEXT,
      kind          TEXT,
      entry_count   INTEGER NOT NULL DEFAULT 0,
      new_entries   INTEGER NOT NULL DEFAULT 0,
      duplicates    INTEGER NOT NULL DEFAULT 0,
      last_duplicate_at INTEGER
    );
    CREATE INDEX deliveries_sha256 ON deliveries (sha256);
    CREATE INDEX deliveries_call ON deliveries (function, domain_id, call_id) WHERE call_id IS NOT NULL;
    CREATE INDEX deliveries_quarantined ON deliveries (id) WHERE status = 'quarantined';

    CREATE TABLE rooms (
      id          INTEGER PRIMARY KEY,
      domain_id   TEXT    NOT NULL,
      name        TEXT    NOT NULL,
      -- kept up to date by the writer, so the room list never counts a million entries
      entry_count INTEGER NOT NULL DEFAULT 0,
      last_ts     INTEGER,
      UNIQUE (domain_id, name)
    );

    CREATE TABLE users (
      id           INTEGER PRIMARY KEY,
      domain_id    TEXT NOT NULL,
      user_id      TEXT NOT NULL,
      display_name TEXT,
      UNIQUE (domain_id, user_id)
    );

    CREATE TABLE entries (
      id            INTEGER PRIMARY KEY,
      room_id       INTEGER NOT NULL REFERENCES rooms (id),
      type          TEXT    NOT NULL,
      ts            INTEGER NOT NULL,
      ts_raw        TEXT    NOT NULL,
      user_id       INTEGER REFERENCES users (id),
      display_name  TEXT,
      invisible     INTEGER CHECK (invisible IN (0, 1)),
      content       TEXT,
      delivery_id   INTEGER NOT NULL REFERENCES deliveries (id),
      received_at   INTEGER NOT NULL,
      -- hash of (type, user, content): with room and timestamp, the identity of an entry
      dedup_key     INTEGER NOT NULL
    );
    -- Keyed by room and time first, so inserts land near each other instead of all over the index.
    CREATE UNIQUE INDEX entries_identity ON entries (room_id, ts, dedup_key);
    CREATE INDEX entries_ts ON entries (ts, id);
    CREATE INDEX entries_room_ts ON entries (room_id, ts, id);
    CREATE INDEX entries_user_ts ON entries (user_id, ts, id) WHERE user_id IS NOT NULL;

    -- Entries per room and hour, kept by the writer: the activity histogram of a room (or of all
    -- rooms) over any range reads a few thousand rows instead of counting millions of entries.
    CREATE TABLE activity (
      room_id INTEGER NOT NULL REFERENCES rooms (id),
      hour    INTEGER NOT NULL,
      entries INTEGER NOT NULL,
      PRIMARY KEY (room_id, hour)
    ) WITHOUT ROWID;

    CREATE VIRTUAL TABLE entries_fts USING fts5 (
      content, content = 'entries', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2',
      prefix = '2 3' -- prefix* searches without scanning every term
    );

    CREATE TABLE abuse_reports (
      id                INTEGER PRIMARY KEY,
      delivery_id       INTEGER NOT NULL REFERENCES deliveries (id),
      domain_id         TEXT    NOT NULL,
      reporting_user_id TEXT,
      abuser_user_id    TEXT,
      abuser_ip_address TEXT,
      recording_name    TEXT,
      recording_url     TEXT,
      description       TEXT,
      received_at       INTEGER NOT NULL
    );
    CREATE TABLE abuse_report_entries (
      report_id INTEGER NOT NULL REFERENCES abuse_reports (id),
      entry_id  INTEGER NOT NULL REFERENCES entries (id),
      PRIMARY KEY (report_id, entry_id)
    ) WITHOUT ROWID;
    CREATE INDEX abuse_report_entries_entry ON abuse_report_entries (entry_id);

    CREATE TABLE connection_snapshots (
      id          INTEGER PRIMARY KEY,
      delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
      domain_id   TEXT    NOT NULL,
      taken_at    INTEGER NOT NULL
    );
    CREATE TABLE connection_snapshot_rooms (
      snapshot_id INTEGER NOT NULL REFERENCES connection_snapshots (id),
      room_id     INTEGER NOT NULL REFERENCES rooms (id),
      user_count  INTEGER NOT NULL,
      PRIMARY KEY (snapshot_id, room_id)
    ) WITHOUT ROWID;
    CREATE TABLE connection_snapshot_users (
      snapshot_id INTEGER NOT NULL REFERENCES connection_snapshots (id),
      room_id     INTEGER NOT NULL REFERENCES rooms (id),
      user_id     INTEGER NOT NULL REFERENCES users (id),
      PRIMARY KEY (snapshot_id, room_id, user_id)
    ) WITHOUT ROWID;
  `);
}
