// Where a team server's accounts, sessions and enrolment links are kept: the seam between what
// they mean (sessions.ts, accounts.ts) and the store that holds them — a SQLite file (here, over
// store/accounts.ts, as one process writes it) or a PostgreSQL database (store/pg/accounts.ts,
// which several team servers may write at once). Every change that is audited is audited in the
// transaction that makes it.
import type { Actor, Role } from '../../shared/access.js';
import {
  accountById,
  accountByName,
  deleteExpiredSessions,
  deleteSession,
  deleteSessionsOf,
  enrolmentLink,
  insertSession,
  recordSignIn,
  sessionWithAccount,
  setFailedSignIns,
  setPasswordHash,
  storedSessions,
  touchSession,
  useEnrolmentLink,
  type Account,
  type SessionRow,
} from '../store/accounts.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import {
  addAccount,
  disableAccount,
  enableAccount,
  listAccounts,
  resetAccount,
  setAccountRole,
  type AccountSummary,
  type ChangeOptions,
  type EnrolmentLink,
} from './accounts.js';
import { announceEnded, onSessionsEnded, type SessionEndReason, type SessionsEnded, type SessionsEndedListener } from './sessionEnds.js';
import type { FailureRecord } from './throttle.js';

export type { Account, SessionRow };

/**
 * One sign-in attempt's hold on the name typed. On PostgreSQL the account's row is locked from the
 * first read until the attempt is recorded: an attempt on another team server waits, then sees
 * this one's failure. On SQLite (one writer) each step is a transaction of its own, as it always was.
 */
export interface SignInTurn {
  /** The account of the name typed, as it is now; null when there is none. */
  account(): Promise<Account | null>;
  /** A failed sign-in of an account: its failure record as it now stands, and the audit row. */
  failed(account: Account, record: FailureRecord, details: Record<string, unknown>): Promise<void>;
  /** An audit row that changes nothing else (a name that is no account, a disabled account). */
  audit(action: 'sign-in failed', moderator: string, details: Record<string, unknown>): Promise<void>;
  /** A sign-in that succeeded: the password hashed again (when `rehashed`), the failures forgotten, the session stored, audited. */
  succeeded(account: Account, rehashed: string | null, session: SessionRow, details: Record<string, unknown>): Promise<void>;
}

/** An enrolment link that works now, and the account it sets a password for. */
export interface UsableLink {
  account: Account;
  expiresAt: number;
}

export interface AccountStore {
  /** Runs one sign-in attempt for `name` (see SignInTurn); the turn ends when `run` settles. */
  signInTurn<T>(name: string, run: (turn: SignInTurn) => Promise<T>): Promise<T>;
  /** A session with its account as it is now (role, disabled), or null. */
  sessionWithAccount(id: string): Promise<{ session: SessionRow; account: Account } | null>;
  /** Writes a session's last use (never moving it back). */
  touchSession(id: string, at: number): Promise<void>;
  /** Removes one session; answers whether it was there (only one caller is told yes). */
  deleteSession(id: string): Promise<boolean>;
  /** Removes a session and audits its account's sign-out, together; answers the account, or null when there was no such session. */
  signOut(id: string): Promise<Account | null>;
  /** Removes every session of an account; answers what to announce. */
  endSessionsOf(accountId: number, reason: SessionEndReason): Promise<SessionsEnded>;
  /** Removes the sessions idle since before `idleBefore` or begun before `createdBefore`; answers them. */
  deleteExpiredSessions(idleBefore: number, createdBefore: number): Promise<Array<{ id: string; accountId: number }>>;
  /** Which of `ids` are still stored. */
  storedSessions(ids: readonly string[]): Promise<Set<string>>;
  /** The link of that token digest while it works at `now` (not used, not expired, its account not disabled); else null. */
  usableLink(digest: string, now: number): Promise<UsableLink | null>;
  /**
   * Uses the link (once: of two enrolments at the same moment, one gets it), sets the account's
   * password, signs it in with `session`, audits both; answers the account, or null when the link
   * no longer works.
   */
  enrol(
    digest: string,
    now: number,
    hash: string,
    session: Omit<SessionRow, 'accountId'>,
    details: Record<string, unknown>,
  ): Promise<Account | null>;
  /** Tells this process's listeners that sessions ended (after the transaction that ended them). */
  announce(ended: SessionsEnded): void;
  onEnded(listener: SessionsEndedListener): () => void;

  // The account changes (accounts.ts): each checks `by` may manage accounts, and is audited under `by`.
  add(by: Actor, name: string, role: Role, options?: ChangeOptions): Promise<EnrolmentLink>;
  list(options?: ChangeOptions): Promise<AccountSummary[]>;
  /** Answers how many sessions ended. */
  disable(by: Actor, name: string, options?: ChangeOptions): Promise<number>;
  enable(by: Actor, name: string): Promise<void>;
  reset(by: Actor, name: string, options?: ChangeOptions): Promise<EnrolmentLink>;
  setRole(by: Actor, name: string, role: Role): Promise<void>;
}

/** A SQLite file's accounts: store/accounts.ts and accounts.ts as they are, each write a transaction of its own. */
export function sqliteAccountStore(db: Db): AccountStore {
  const immediate = <T>(work: () => T): T => db.transaction(work).immediate();
  const turn = (name: string): SignInTurn => ({
    account: async () => accountByName(db, name),
    failed: async (account, record, details) =>
      immediate(() => {
        setFailedSignIns(db, account.id, record);
        appendAudit(db, 'sign-in failed', account.name, details);
      }),
    audit: async (action, moderator, details) => {
      immediate(() => appendAudit(db, action, moderator, details));
    },
    succeeded: async (account, rehashed, session, details) =>
      immediate(() => {
        if (rehashed !== null) setPasswordHash(db, account.id, rehashed);
        recordSignIn(db, account.id, session.createdAt);
        insertSession(db, session);
        appendAudit(db, 'signed in', account.name, details);
      }),
  });
  const usable = (digest: string, now: number): UsableLink | null => {
    const link = enrolmentLink(db, digest);
    if (!link || link.usedAt !== null || link.expiresAt <= now) return null;
    const account = accountById(db, link.accountId);
    if (!account || account.disabledAt !== null) return null;
    return { account, expiresAt: link.expiresAt };
  };
  return {
    signInTurn: (name, run) => run(turn(name)),
    sessionWithAccount: async (id) => sessionWithAccount(db, id),
    touchSession: async (id, at) => touchSession(db, id, at),
    deleteSession: async (id) => deleteSession(db, id),
    signOut: async (id) =>
      immediate(() => {
        const found = sessionWithAccount(db, id);
        if (!found || !deleteSession(db, id)) return null;
        appendAudit(db, 'signed out', found.account.name, {});
        return found.account;
      }),
    endSessionsOf: async (accountId, reason) => immediate(() => ({ accountId, sessionIds: deleteSessionsOf(db, accountId), reason })),
    deleteExpiredSessions: async (idleBefore, createdBefore) => immediate(() => deleteExpiredSessions(db, idleBefore, createdBefore)),
    storedSessions: async (ids) => storedSessions(db, ids),
    usableLink: async (digest, now) => usable(digest, now),
    enrol: async (digest, now, hash, session, details) =>
      immediate(() => {
        const link = usable(digest, now); // again: another tab may have used it during the hash
        if (!link || !useEnrolmentLink(db, digest, now)) return null;
        setPasswordHash(db, link.account.id, hash);
        recordSignIn(db, link.account.id, now);
        insertSession(db, { ...session, accountId: link.account.id });
        appendAudit(db, 'enrolled', link.account.name, details);
        appendAudit(db, 'signed in', link.account.name, details);
        return link.account;
      }),
    announce: (ended) => announceEnded(db, ended),
    onEnded: (listener) => onSessionsEnded(db, listener),
    add: async (by, name, role, options) => addAccount(db, by, name, role, options),
    list: async (options) => listAccounts(db, options),
    disable: async (by, name, options) => disableAccount(db, by, name, options),
    enable: async (by, name) => enableAccount(db, by, name),
    reset: async (by, name, options) => resetAccount(db, by, name, options),
    setRole: async (by, name, role) => setAccountRole(db, by, name, role),
  };
}
