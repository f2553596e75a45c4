// A team server's accounts (`omv serve --team`): who may sign in, with which role; the sessions
// they hold; the one-time links that set a password. No secret a browser holds is stored as it
// is: a session is kept under the SHA-256 of its token, an enrolment link under the SHA-256 of
// its token, a password as scrypt (main/team/passwords.ts).
import type { Database } from 'better-sqlite3';

export const version = 400;

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE accounts (
      id               INTEGER PRIMARY KEY,
      name             TEXT    NOT NULL UNIQUE COLLATE NOCASE,
      role             TEXT    NOT NULL CHECK (role IN ('moderator', 'lead', 'admin')),
      -- Null until the account's holder chose a password (enrolment), and again after a reset.
      password_hash    TEXT,
      created_at       INTEGER NOT NULL,
      disabled_at      INTEGER,
      -- Failed sign-ins since the last one that succeeded, and when the last of them was.
      failed_logins    INTEGER NOT NULL DEFAULT 0,
      last_failed_at   INTEGER,
      locked_until     INTEGER,
      last_sign_in_at  INTEGER
    );
    CREATE TABLE sessions (
      id            TEXT    PRIMARY KEY, -- SHA-256 of the token in the browser's cookie
      account_id    INTEGER NOT NULL REFERENCES accounts (id),
      csrf          TEXT    NOT NULL,
      created_at    INTEGER NOT NULL,
      last_seen_at  INTEGER NOT NULL,
      ip            TEXT,
      user_agent    TEXT
    ) WITHOUT ROWID;
    CREATE INDEX sessions_account ON sessions (account_id);
    CREATE TABLE enrolment_links (
      token_sha256  TEXT    PRIMARY KEY,
      account_id    INTEGER NOT NULL REFERENCES accounts (id),
      created_at    INTEGER NOT NULL,
      expires_at    INTEGER NOT NULL,
      used_at       INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX enrolment_links_account ON enrolment_links (account_id);
  `);
}
