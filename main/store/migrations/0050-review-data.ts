// What moderators add to the data: tags (a default group, their own, some of them holds), notes,
// how far each room is reviewed, watchlist terms and what they matched, saved searches, and the
// desk's settings (who the moderator is, the salt for pseudonyms).
import type { Database } from 'better-sqlite3';

export const version = 50;

export const DEFAULT_TAGS: ReadonlyArray<[name: string, colour: string]> = [
  ['harassment', '#d9485f'],
  ['spam', '#8a6d3b'],
  ['threat', '#c2410c'],
  ['self-harm', '#7a4fd6'],
  ['needs-escalation', '#b91c1c'],
];

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE tags (
      id         INTEGER PRIMARY KEY,
      name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
      colour     TEXT    NOT NULL,
      hold       INTEGER NOT NULL DEFAULT 0,
      builtin    INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE tag_links (
      target    TEXT    NOT NULL CHECK (target IN ('entry', 'user', 'room')),
      target_id INTEGER NOT NULL,
      tag_id    INTEGER NOT NULL REFERENCES tags (id),
      at        INTEGER NOT NULL,
      moderator TEXT    NOT NULL,
      PRIMARY KEY (target, target_id, tag_id)
    ) WITHOUT ROWID;
    CREATE INDEX tag_links_tag ON tag_links (tag_id, target, target_id);

    CREATE TABLE notes (
      id        INTEGER PRIMARY KEY,
      target    TEXT    NOT NULL CHECK (target IN ('entry', 'user', 'room')),
      target_id INTEGER NOT NULL,
      text      TEXT    NOT NULL,
      moderator TEXT    NOT NULL,
      at        INTEGER NOT NULL
    );
    CREATE INDEX notes_target ON notes (target, target_id);

    CREATE TABLE room_reviews (
      room_id     INTEGER PRIMARY KEY REFERENCES rooms (id),
      reviewed_to INTEGER NOT NULL,
      moderator   TEXT    NOT NULL,
      at          INTEGER NOT NULL
    );

    CREATE TABLE watch_terms (
      id       INTEGER PRIMARY KEY,
      term     TEXT    NOT NULL UNIQUE,
      added_at INTEGER NOT NULL,
      -- Forward only: the newest entry when the term was added; it matches entries after it.
      after_entry_id INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE watch_matches (
      term_id  INTEGER NOT NULL REFERENCES watch_terms (id) ON DELETE CASCADE,
      entry_id INTEGER NOT NULL REFERENCES entries (id),
      found_at INTEGER NOT NULL,
      seen     INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (term_id, entry_id)
    ) WITHOUT ROWID;
    CREATE INDEX watch_matches_entry ON watch_matches (entry_id);
    CREATE INDEX watch_matches_unseen ON watch_matches (seen, entry_id);

    CREATE TABLE saved_searches (
      id            INTEGER PRIMARY KEY,
      name          TEXT    NOT NULL UNIQUE,
      query         TEXT    NOT NULL,
      created_at    INTEGER NOT NULL,
      opened_at     INTEGER NOT NULL,
      seen_entry_id INTEGER NOT NULL
    );
  `);
  const insert = db.prepare('INSERT INTO tags (name, colour, builtin, created_at) VALUES (?, ?, 1, ?)');
  for (const [name, colour] of DEFAULT_TAGS) insert.run(name, colour, Date.now());
  // Watch matching starts from here: terms look at entries that arrive after they are added.
  db.prepare("INSERT INTO settings (key, value) VALUES ('watch_checked_to', (SELECT coalesce(max(id), 0) FROM entries))").run();
}
