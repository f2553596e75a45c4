// A team server's accounts, their sessions and their enrolment links, as rows (migration 0400).
// What they mean — who may sign in, for how long, what is audited — is main/team/'s; this file
// only reads and writes them. Sessions and links are found by the SHA-256 of their token: the
// token itself is never stored.
import type { Role } from '../../shared/access.js';
import { prepareCached, type Db } from './db.js';

export interface Account {
  id: number;
  name: string;
  role: Role;
  /** Null until a password was chosen (enrolment), and after a reset. */
  passwordHash: string | null;
  createdAt: number;
  disabledAt: number | null;
  /** Failed sign-ins since the last one that succeeded. */
  failedLogins: number;
  lastFailedAt: number | null;
  lockedUntil: number | null;
  lastSignInAt: number | null;
}

/** An account's row as both engines store it (pg/accounts.ts reads the same columns). */
export interface AccountRow {
  id: number;
  name: string;
  role: Role;
  password_hash: string | null;
  created_at: number;
  disabled_at: number | null;
  failed_logins: number;
  last_failed_at: number | null;
  locked_until: number | null;
  last_sign_in_at: number | null;
}

export const account = (row: AccountRow): Account => ({
  id: row.id,
  name: row.name,
  role: row.role,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  disabledAt: row.disabled_at,
  failedLogins: row.failed_logins,
  lastFailedAt: row.last_failed_at,
  lockedUntil: row.locked_until,
  lastSignInAt: row.last_sign_in_at,
});

/** Adds an account; a name taken already (in any letter case) throws SQLite's UNIQUE error. */
export function insertAccount(db: Db, name: string, role: Role, at: number): Account {
  const row = prepareCached<[string, Role, number], AccountRow>(
    db,
    'INSERT INTO accounts (name, role, created_at) VALUES (?, ?, ?) RETURNING *',
  ).get(name, role, at)!;
  return account(row);
}

/** The account of that name, in any letter case. */
export function accountByName(db: Db, name: string): Account | null {
  const row = prepareCached<[string], AccountRow>(db, 'SELECT * FROM accounts WHERE name = ?').get(name);
  return row ? account(row) : null;
}

export function accountById(db: Db, id: number): Account | null {
  const row = prepareCached<[number], AccountRow>(db, 'SELECT * FROM accounts WHERE id = ?').get(id);
  return row ? account(row) : null;
}

export function allAccounts(db: Db): Account[] {
  return prepareCached<[], AccountRow>(db, 'SELECT * FROM accounts ORDER BY name').all().map(account);
}

/** Admins that can sign in (or will, once enrolled): not disabled. */
export function enabledAdmins(db: Db): number {
  return prepareCached<[], number>(db, "SELECT count(*) FROM accounts WHERE role = 'admin' AND disabled_at IS NULL").pluck().get()!;
}

export function setAccountDisabled(db: Db, id: number, disabledAt: number | null): void {
  prepareCached(db, 'UPDATE accounts SET disabled_at = ? WHERE id = ?').run(disabledAt, id);
}

export function setAccountRoleRow(db: Db, id: number, role: Role): void {
  prepareCached(db, 'UPDATE accounts SET role = ? WHERE id = ?').run(role, id);
}

/** A new password hash (or none, after a reset); the failed sign-ins and any lock are forgotten with the old one. */
export function setPasswordHash(db: Db, id: number, hash: string | null): void {
  prepareCached(
    db,
    'UPDATE accounts SET password_hash = ?, failed_logins = 0, last_failed_at = NULL, locked_until = NULL WHERE id = ?',
  ).run(hash, id);
}

/** The account's failed sign-ins as they stand now (main/team/throttle.ts decides them). */
export function setFailedSignIns(
  db: Db,
  id: number,
  record: { failures: number; lastFailedAt: number | null; lockedUntil: number | null },
): void {
  prepareCached(db, 'UPDATE accounts SET failed_logins = ?, last_failed_at = ?, locked_until = ? WHERE id = ?').run(
    record.failures,
    record.lastFailedAt,
    record.lockedUntil,
    id,
  );
}

/** A sign-in that succeeded: the count of failed ones starts again. */
export function recordSignIn(db: Db, id: number, at: number): void {
  prepareCached(
    db,
    'UPDATE accounts SET failed_logins = 0, last_failed_at = NULL, locked_until = NULL, last_sign_in_at = ? WHERE id = ?',
  ).run(at, id);
}

export interface SessionRow {
  /** SHA-256 of the token, hex. */
  id: string;
  accountId: number;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  ip: string | null;
  userAgent: string | null;
}

export function insertSession(db: Db, session: SessionRow): void {
  prepareCached(
    db,
    'INSERT INTO sessions (id, account_id, csrf, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(session.id, session.accountId, session.csrf, session.createdAt, session.lastSeenAt, session.ip, session.userAgent);
}

/** A session with its account as it is now (role, disabled), or null. */
export function sessionWithAccount(db: Db, id: string): { session: SessionRow; account: Account } | null {
  const row = prepareCached<
    [string],
    AccountRow & { s_id: string; csrf: string; s_created_at: number; last_seen_at: number; ip: string | null; user_agent: string | null }
  >(
    db,
    `SELECT a.*, s.id AS s_id, s.csrf, s.created_at AS s_created_at, s.last_seen_at, s.ip, s.user_agent
       FROM sessions s JOIN accounts a ON a.id = s.account_id
      WHERE s.id = ?`,
  ).get(id);
  if (!row) return null;
  return {
    session: {
      id: row.s_id,
      accountId: row.id,
      csrf: row.csrf,
      createdAt: row.s_created_at,
      lastSeenAt: row.last_seen_at,
      ip: row.ip,
      userAgent: row.user_agent,
    },
    account: account(row),
  };
}

export function touchSession(db: Db, id: string, at: number): void {
  prepareCached(db, 'UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, id);
}

/** Removes one session; answers whether it was there. */
export function deleteSession(db: Db, id: string): boolean {
  return prepareCached(db, 'DELETE FROM sessions WHERE id = ?').run(id).changes > 0;
}

/** Removes every session of an account; answers their ids. */
export function deleteSessionsOf(db: Db, accountId: number): string[] {
  return prepareCached<[number], string>(db, 'DELETE FROM sessions WHERE account_id = ? RETURNING id').pluck().all(accountId);
}

/** Removes the sessions idle since before `idleBefore` or begun before `createdBefore`; answers them. */
export function deleteExpiredSessions(db: Db, idleBefore: number, createdBefore: number): Array<{ id: string; accountId: number }> {
  return prepareCached<[number, number], { id: string; accountId: number }>(
    db,
    'DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ? RETURNING id, account_id AS accountId',
  ).all(idleBefore, createdBefore);
}

/** Which of `ids` are still stored. */
export function storedSessions(db: Db, ids: readonly string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = db
    .prepare<string[], string>(`SELECT id FROM sessions WHERE id IN (${ids.map(() => '?').join(', ')})`)
    .pluck()
    .all(...ids);
  return new Set(rows);
}

export function insertEnrolmentLink(db: Db, tokenSha256: string, accountId: number, at: number, expiresAt: number): void {
  prepareCached(db, 'INSERT INTO enrolment_links (token_sha256, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(
    tokenSha256,
    accountId,
    at,
    expiresAt,
  );
}

/** Forgets an account's links not used yet: only the newest link works. */
export function dropOpenEnrolmentLinks(db: Db, accountId: number): void {
  prepareCached(db, 'DELETE FROM enrolment_links WHERE account_id = ? AND used_at IS NULL').run(accountId);
}

export interface EnrolmentLinkRow {
  accountId: number;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export function enrolmentLink(db: Db, tokenSha256: string): EnrolmentLinkRow | null {
  return (
    prepareCached<[string], EnrolmentLinkRow>(
      db,
      'SELECT account_id AS accountId, created_at AS createdAt, expires_at AS expiresAt, used_at AS usedAt FROM enrolment_links WHERE token_sha256 = ?',
    ).get(tokenSha256) ?? null
  );
}

/** Marks a link used; answers false when it was used already (two tabs racing). */
export function useEnrolmentLink(db: Db, tokenSha256: string, at: number): boolean {
  return (
    prepareCached(db, 'UPDATE enrolment_links SET used_at = ? WHERE token_sha256 = ? AND used_at IS NULL').run(at, tokenSha256).changes > 0
  );
}
