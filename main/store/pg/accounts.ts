// A team server's accounts, sessions and enrolment links in a PostgreSQL store (migration 0410):
// the AccountStore of main/team/accountStore.ts. Unlike a SQLite file, the database may have
// several writers at once — two team servers, `omv users` while they run — so what SQLite gets
// from being the only writer is said here with locks:
// - a sign-in attempt holds its account's row (SELECT … FOR UPDATE) from its first read until its
//   outcome is committed: attempts on one name are checked one at a time on every server, and each
//   counts its failure on top of the one before (ten lock the name, whoever counted them);
// - an enrolment link is used by a conditional UPDATE (… WHERE used_at IS NULL): of two
//   enrolments at once, the second finds it used;
// - a session's last use only moves forward; a session ends (DELETE … RETURNING) for one caller.
// Every audited change appends its audit row (writes.ts appendAuditRow) in its own transaction,
// committed as a synchronous standby must confirm it.
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Actor, Role } from '../../../shared/access.js';
import { isRole, ROLES } from '../../../shared/access.js';
import type { AuditAction } from '../../../shared/review.js';
import type { AccountStore, SignInTurn } from '../../team/accountStore.js';
import { AccountError, freshLink, lastAdminCheck, mayManage, newAccountName, stateOf, type EnrolmentLink } from '../../team/accounts.js';
import type { SessionsEnded, SessionsEndedListener, SessionEndReason } from '../../team/sessionEnds.js';
import { account, type Account, type AccountRow, type SessionRow } from '../accounts.js';
import { inWriteTransaction, pgText, type WriteSession } from './connection.js';
import { appendAuditRow } from './writes.js';

/** A name as SQLite's NOCASE compares it (ASCII letters folded): the unique index is on omv_nocase(name). */
const BY_NAME = 'omv_nocase(name) = omv_nocase($1)';

type Queryable = pg.Pool | WriteSession;

async function accountByName(db: Queryable, name: string, lock = false): Promise<Account | null> {
  const rows = await db.query<AccountRow>(`SELECT * FROM accounts WHERE ${BY_NAME}${lock ? ' FOR UPDATE' : ''}`, [pgText(name)]);
  return rows.rows[0] ? account(rows.rows[0]) : null;
}

async function accountById(db: Queryable, id: number, lock = false): Promise<Account | null> {
  const rows = await db.query<AccountRow>(`SELECT * FROM accounts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows.rows[0] ? account(rows.rows[0]) : null;
}

async function insertSession(db: WriteSession, session: SessionRow): Promise<void> {
  await db.query(
    'INSERT INTO sessions (id, account_id, csrf, created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [session.id, session.accountId, session.csrf, session.createdAt, session.lastSeenAt, pgText(session.ip), pgText(session.userAgent)],
  );
}

async function deleteSessionsOf(db: WriteSession, accountId: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>('DELETE FROM sessions WHERE account_id = $1 RETURNING id', [accountId]);
  return rows.rows.map((row) => row.id);
}

async function recordSignIn(db: WriteSession, id: number, at: number): Promise<void> {
  await db.query('UPDATE accounts SET failed_logins = 0, last_failed_at = NULL, locked_until = NULL, last_sign_in_at = $1 WHERE id = $2', [
    at,
    id,
  ]);
}

async function setPasswordHash(db: WriteSession, id: number, hash: string | null): Promise<void> {
  await db.query('UPDATE accounts SET password_hash = $1, failed_logins = 0, last_failed_at = NULL, locked_until = NULL WHERE id = $2', [
    hash,
    id,
  ]);
}

/** Only the newest link works: the account's links not used yet go. */
async function issueLink(db: WriteSession, target: Account, at: number): Promise<EnrolmentLink> {
  await db.query('DELETE FROM enrolment_links WHERE account_id = $1 AND used_at IS NULL', [target.id]);
  const { link, digest } = freshLink(target, at);
  await db.query('INSERT INTO enrolment_links (token_sha256, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
    digest,
    target.id,
    at,
    link.expiresAt,
  ]);
  return link;
}

/** The admins that can sign in, their rows locked: two changes that would each leave one admin wait for each other. */
async function enabledAdmins(db: WriteSession): Promise<number> {
  return (await db.query("SELECT id FROM accounts WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE")).rowCount ?? 0;
}

async function existing(db: WriteSession, name: string): Promise<Account> {
  const found = await accountByName(db, name.normalize('NFC'), true);
  if (!found) throw new AccountError(`no account named "${name}"`);
  return found;
}

const UNIQUE_VIOLATION = '23505';

/** The accounts of the PostgreSQL store whose writer's pool is `pool` (it stays the caller's to end). */
export function pgAccountStore(pool: pg.Pool): AccountStore {
  const channel = new EventEmitter();
  channel.setMaxListeners(0);
  const announce = (ended: SessionsEnded) => {
    if (ended.sessionIds.length > 0) channel.emit('ended', ended);
  };
  const inTransaction = <T>(work: (db: WriteSession) => Promise<T>) => inWriteTransaction(pool, work, { confirmed: true });
  const audit = (db: WriteSession, action: AuditAction, moderator: string, details: Record<string, unknown>) =>
    appendAuditRow(db, action, moderator, details).then(() => undefined);
  /** Runs a change of one account, then tells this process which sessions it ended. */
  const change = async <T>(work: (db: WriteSession) => Promise<{ value: T; ended?: SessionsEnded }>): Promise<T> => {
    const { value, ended } = await inTransaction(work);
    if (ended) announce(ended);
    return value;
  };
  const removeSessionsOf = async (db: WriteSession, accountId: number, reason: SessionEndReason): Promise<SessionsEnded> => ({
    accountId,
    sessionIds: await deleteSessionsOf(db, accountId),
    reason,
  });
  const usableLink = async (db: Queryable, digest: string, now: number, lock: boolean) => {
    const rows = await db.query<{ account_id: number; expires_at: number }>(
      `SELECT account_id, expires_at FROM enrolment_links WHERE token_sha256 = $1 AND used_at IS NULL AND expires_at > $2${lock ? ' FOR UPDATE' : ''}`,
      [digest, now],
    );
    const link = rows.rows[0];
    if (!link) return null;
    const owner = await accountById(db, link.account_id, lock);
    if (!owner || owner.disabledAt !== null) return null;
    return { account: owner, expiresAt: link.expires_at };
  };

  return {
    signInTurn: (name, run) =>
      inTransaction((db) => {
        const turn: SignInTurn = {
          account: () => accountByName(db, name, true),
          failed: async (target, record, details) => {
            await db.query('UPDATE accounts SET failed_logins = $1, last_failed_at = $2, locked_until = $3 WHERE id = $4', [
              record.failures,
              record.lastFailedAt,
              record.lockedUntil,
              target.id,
            ]);
            await audit(db, 'sign-in failed', target.name, details);
          },
          audit: (action, moderator, details) => audit(db, action, moderator, details),
          succeeded: async (target, rehashed, session, details) => {
            if (rehashed !== null) await setPasswordHash(db, target.id, rehashed);
            await recordSignIn(db, target.id, session.createdAt);
            await insertSession(db, session);
            await audit(db, 'signed in', target.name, details);
          },
        };
        return run(turn);
      }),

    async sessionWithAccount(id) {
      const rows = await pool.query<
        AccountRow & {
          s_id: string;
          csrf: string;
          s_created_at: number;
          last_seen_at: number;
          ip: string | null;
          user_agent: string | null;
        }
      >(
        `SELECT a.*, s.id AS s_id, s.csrf, s.created_at AS s_created_at, s.last_seen_at, s.ip, s.user_agent
           FROM sessions s JOIN accounts a ON a.id = s.account_id
          WHERE s.id = $1`,
        [id],
      );
      const row = rows.rows[0];
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
    },

    async touchSession(id, at) {
      // Another server may have written a later use already: never move it back.
      await pool.query('UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1', [at, id]);
    },

    async deleteSession(id) {
      return ((await pool.query('DELETE FROM sessions WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },

    signOut: (id) =>
      inTransaction(async (db) => {
        const rows = await db.query<{ account_id: number }>('DELETE FROM sessions WHERE id = $1 RETURNING account_id', [id]);
        if (!rows.rows[0]) return null;
        const owner = await accountById(db, rows.rows[0].account_id);
        if (!owner) return null;
        await audit(db, 'signed out', owner.name, {});
        return owner;
      }),

    endSessionsOf: (accountId, reason) => inTransaction((db) => removeSessionsOf(db, accountId, reason)),

    async deleteExpiredSessions(idleBefore, createdBefore) {
      const rows = await pool.query<{ id: string; account_id: number }>(
        'DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2 RETURNING id, account_id',
        [idleBefore, createdBefore],
      );
      return rows.rows.map((row) => ({ id: row.id, accountId: row.account_id }));
    },

    async storedSessions(ids) {
      if (ids.length === 0) return new Set();
      const rows = await pool.query<{ id: string }>('SELECT id FROM sessions WHERE id = ANY($1)', [ids]);
      return new Set(rows.rows.map((row) => row.id));
    },

    usableLink: (digest, now) => usableLink(pool, digest, now, false),

    enrol: (digest, now, hash, session, details) =>
      inTransaction(async (db) => {
        // The account's row first, as every account change locks it before its links (a reset at
        // the same moment waits, or is waited for: no deadlock).
        const link = await db.query<{ account_id: number }>('SELECT account_id FROM enrolment_links WHERE token_sha256 = $1', [digest]);
        if (!link.rows[0]) return null;
        const owner = await accountById(db, link.rows[0].account_id, true);
        if (!owner || owner.disabledAt !== null) return null;
        // Used once: the UPDATE waits for an enrolment at the same moment to commit, then finds used_at set and changes nothing.
        const used = await db.query(
          'UPDATE enrolment_links SET used_at = $2 WHERE token_sha256 = $1 AND used_at IS NULL AND expires_at > $2',
          [digest, now],
        );
        if (used.rowCount !== 1) return null;
        await setPasswordHash(db, owner.id, hash);
        await recordSignIn(db, owner.id, now);
        await insertSession(db, { ...session, accountId: owner.id });
        await audit(db, 'enrolled', owner.name, details);
        await audit(db, 'signed in', owner.name, details);
        return owner;
      }),

    announce,
    onEnded(listener: SessionsEndedListener) {
      channel.on('ended', listener);
      return () => channel.off('ended', listener);
    },

    async add(by: Actor, name: string, role: Role, { now = Date.now() } = {}) {
      const clean = newAccountName(by, name, role);
      try {
        return await inTransaction(async (db) => {
          const taken = await accountByName(db, clean);
          if (taken) throw new AccountError(`an account named "${taken.name}" exists already`);
          const rows = await db.query<AccountRow>('INSERT INTO accounts (name, role, created_at) VALUES ($1, $2, $3) RETURNING *', [
            clean,
            role,
            now,
          ]);
          const added = account(rows.rows[0]!);
          const link = await issueLink(db, added, now);
          await audit(db, 'account added', by.name, { account: added.name, role, linkExpires: new Date(link.expiresAt).toISOString() });
          return link;
        });
      } catch (error) {
        // Another writer added the name between our look and our insert.
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new AccountError(`an account named "${clean}" exists already`);
        throw error;
      }
    },

    async list({ now = Date.now() } = {}) {
      const rows = await pool.query<AccountRow>('SELECT * FROM accounts ORDER BY omv_nocase(name), name');
      return rows.rows.map(account).map((row) => ({
        id: row.id,
        name: row.name,
        role: row.role,
        state: stateOf(row, now),
        createdAt: row.createdAt,
        lastSignInAt: row.lastSignInAt,
      }));
    },

    async disable(by, name, { now = Date.now() } = {}) {
      mayManage(by);
      return change(async (db) => {
        const admins = await enabledAdmins(db); // locked first, as every change that counts them does: no deadlock
        const target = await existing(db, name);
        if (target.disabledAt !== null) return { value: 0 };
        lastAdminCheck(target, () => admins);
        await db.query('UPDATE accounts SET disabled_at = $1 WHERE id = $2', [now, target.id]);
        await db.query('DELETE FROM enrolment_links WHERE account_id = $1 AND used_at IS NULL', [target.id]);
        const ended = await removeSessionsOf(db, target.id, 'disabled');
        await audit(db, 'account disabled', by.name, { account: target.name, sessionsEnded: ended.sessionIds.length });
        return { value: ended.sessionIds.length, ended };
      });
    },

    async enable(by, name) {
      mayManage(by);
      await change(async (db) => {
        const target = await existing(db, name);
        if (target.disabledAt === null) return { value: undefined };
        await db.query('UPDATE accounts SET disabled_at = NULL WHERE id = $1', [target.id]);
        await audit(db, 'account enabled', by.name, { account: target.name });
        return { value: undefined };
      });
    },

    async reset(by, name, { now = Date.now() } = {}) {
      mayManage(by);
      return change(async (db) => {
        const target = await existing(db, name);
        if (target.disabledAt !== null) throw new AccountError(`${target.name} is disabled: enable it first`);
        await setPasswordHash(db, target.id, null);
        const ended = await removeSessionsOf(db, target.id, 'reset');
        const link = await issueLink(db, target, now);
        await audit(db, 'account reset', by.name, {
          account: target.name,
          sessionsEnded: ended.sessionIds.length,
          linkExpires: new Date(link.expiresAt).toISOString(),
        });
        return { value: link, ended };
      });
    },

    async setRole(by, name, role) {
      mayManage(by);
      if (!isRole(role)) throw new AccountError(`a role is one of ${ROLES.join(', ')}`);
      await change(async (db) => {
        const admins = await enabledAdmins(db); // locked first, as every change that counts them does: no deadlock
        const target = await existing(db, name);
        if (target.role === role) return { value: undefined };
        if (role !== 'admin') lastAdminCheck(target, () => admins);
        await db.query('UPDATE accounts SET role = $1 WHERE id = $2', [role, target.id]);
        await audit(db, 'role changed', by.name, { account: target.name, from: target.role, to: role });
        return { value: undefined };
      });
    },
  };
}
