// A team server's accounts: who may sign in, with which role. An admin (or the operator at the
// command line, `omv users`) adds an account and hands its holder a one-time enrolment link, which
// sets the password; disables and enables it (disabling ends its sessions at once); resets it
// (password cleared, sessions ended, a new link); changes its role. Every change is made by an
// actor who may manage users, and is in the audit trail under that actor's name, in the
// transaction that makes it.
import { can, isRole, ROLES, type Actor, type Role } from '../../shared/access.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import { ForbiddenError } from '../api/service.js';
import {
  accountByName,
  allAccounts,
  dropOpenEnrolmentLinks,
  enabledAdmins,
  insertAccount,
  insertEnrolmentLink,
  setAccountDisabled,
  setAccountRoleRow,
  setPasswordHash,
  type Account,
} from '../store/accounts.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { announceEnded, removeSessionsOf, type SessionsEnded } from './sessionEnds.js';
import { newToken, tokenDigest } from './tokens.js';

/** How long an enrolment link works (once): three days. */
export const ENROLMENT_LINK_MS = 72 * 60 * 60 * 1000;

/** Where an enrolment link points, on the team server: this path, then `?token=…`. */
export const ENROLMENT_PATH = '/enrol';

/** A change that cannot be made, said so that whoever asked can act on it. */
export class AccountError extends UserFacingError {}

/** A one-time link that sets an account's password. Its token is nowhere else: show it once. */
export interface EnrolmentLink {
  account: string;
  token: string;
  /** `/enrol?token=…`: the team server's address goes before it. */
  path: string;
  expiresAt: number;
}

export type AccountState = 'active' | 'awaiting enrolment' | 'locked' | 'disabled';

export interface AccountSummary {
  id: number;
  name: string;
  role: Role;
  /** disabled; else locked (too many failed sign-ins, for now); else awaiting enrolment (no password yet); else active. */
  state: AccountState;
  createdAt: number;
  lastSignInAt: number | null;
}

export interface ChangeOptions {
  /** The time the change takes effect from: link expiry, disabled since (tests move it; audit rows carry the real time). */
  now?: number;
}

const NAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$/u;

/** Why `name` cannot name an account, or null. Names are what the audit trail records: short, no spaces or controls. */
export function accountNameProblem(name: string): string | null {
  if (NAME.test(name.normalize('NFC'))) return null;
  return 'an account name is 1 to 64 letters, digits and . _ @ -, starting with a letter or digit';
}

/** Throws unless `by` may manage accounts. */
export function mayManage(by: Actor): void {
  if (!can(by, 'manageUsers')) throw new ForbiddenError(`${by.name} (${by.role}) may not manage accounts`);
}

function existing(db: Db, name: string): Account {
  const account = accountByName(db, name.normalize('NFC'));
  if (!account) throw new AccountError(`no account named "${name}"`);
  return account;
}

/** A new enrolment link for `account` from `at`, and the digest its row is found by. */
export function freshLink(account: Account, at: number): { link: EnrolmentLink; digest: string } {
  const token = newToken();
  const expiresAt = at + ENROLMENT_LINK_MS;
  return { link: { account: account.name, token, path: `${ENROLMENT_PATH}?token=${token}`, expiresAt }, digest: tokenDigest(token) };
}

function issueLink(db: Db, account: Account, at: number): EnrolmentLink {
  dropOpenEnrolmentLinks(db, account.id); // only the newest link works
  const { link, digest } = freshLink(account, at);
  insertEnrolmentLink(db, digest, account.id, at, link.expiresAt);
  return link;
}

/** The last admin who can sign in may not be disabled or made something else: nobody could manage accounts from the desk. */
function keepAnAdmin(db: Db, account: Account): void {
  lastAdminCheck(account, () => enabledAdmins(db));
}

/** keepAnAdmin's rule, whatever store counts the admins. */
export function lastAdminCheck(account: Account, enabledAdmins: () => number): void {
  if (account.role === 'admin' && account.disabledAt === null && enabledAdmins() <= 1)
    throw new AccountError(`${account.name} is the last admin: make another account admin first`);
}

/** A new account's name (NFC), once `by` may add it and the name and role are fit; else throws. */
export function newAccountName(by: Actor, name: string, role: Role): string {
  mayManage(by);
  const clean = name.normalize('NFC');
  const problem = accountNameProblem(clean);
  if (problem) throw new AccountError(problem);
  if (!isRole(role)) throw new AccountError(`a role is one of ${ROLES.join(', ')}`);
  return clean;
}

/** Adds an account with `role`; answers its enrolment link. The name is unique whatever its letter case. */
export function addAccount(db: Db, by: Actor, name: string, role: Role, { now = Date.now() }: ChangeOptions = {}): EnrolmentLink {
  const clean = newAccountName(by, name, role);
  return db
    .transaction(() => {
      const taken = accountByName(db, clean);
      if (taken) throw new AccountError(`an account named "${taken.name}" exists already`);
      const account = insertAccount(db, clean, role, now);
      const link = issueLink(db, account, now);
      appendAudit(db, 'account added', by.name, { account: account.name, role, linkExpires: new Date(link.expiresAt).toISOString() });
      return link;
    })
    .immediate();
}

/** Every account, by name, with what it can do now. */
export function listAccounts(db: Db, { now = Date.now() }: ChangeOptions = {}): AccountSummary[] {
  return allAccounts(db).map((account) => ({
    id: account.id,
    name: account.name,
    role: account.role,
    state: stateOf(account, now),
    createdAt: account.createdAt,
    lastSignInAt: account.lastSignInAt,
  }));
}

export function stateOf(account: Account, now: number): AccountState {
  if (account.disabledAt !== null) return 'disabled';
  if (account.lockedUntil !== null && account.lockedUntil > now) return 'locked';
  if (account.passwordHash === null) return 'awaiting enrolment';
  return 'active';
}

/** Runs a change of one account, then tells the server which sessions it ended. */
function change<T>(db: Db, work: () => { value: T; ended?: SessionsEnded }): T {
  const { value, ended } = db.transaction(work).immediate();
  if (ended) announceEnded(db, ended);
  return value;
}

/** Disables an account: it cannot sign in, and its sessions end now. Answers how many ended. */
export function disableAccount(db: Db, by: Actor, name: string, { now = Date.now() }: ChangeOptions = {}): number {
  mayManage(by);
  return change(db, () => {
    const account = existing(db, name);
    if (account.disabledAt !== null) return { value: 0 };
    keepAnAdmin(db, account);
    setAccountDisabled(db, account.id, now);
    dropOpenEnrolmentLinks(db, account.id);
    const ended = removeSessionsOf(db, account.id, 'disabled');
    appendAudit(db, 'account disabled', by.name, { account: account.name, sessionsEnded: ended.sessionIds.length });
    return { value: ended.sessionIds.length, ended };
  });
}

/** Enables a disabled account again, with the password it had (a reset gives a new one). */
export function enableAccount(db: Db, by: Actor, name: string): void {
  mayManage(by);
  change(db, () => {
    const account = existing(db, name);
    if (account.disabledAt === null) return { value: undefined };
    setAccountDisabled(db, account.id, null);
    appendAudit(db, 'account enabled', by.name, { account: account.name });
    return { value: undefined };
  });
}

/** Clears an account's password and ends its sessions; answers the new enrolment link that sets a new password. */
export function resetAccount(db: Db, by: Actor, name: string, { now = Date.now() }: ChangeOptions = {}): EnrolmentLink {
  mayManage(by);
  return change(db, () => {
    const account = existing(db, name);
    if (account.disabledAt !== null) throw new AccountError(`${account.name} is disabled: enable it first`);
    setPasswordHash(db, account.id, null);
    const ended = removeSessionsOf(db, account.id, 'reset');
    const link = issueLink(db, account, now);
    appendAudit(db, 'account reset', by.name, {
      account: account.name,
      sessionsEnded: ended.sessionIds.length,
      linkExpires: new Date(link.expiresAt).toISOString(),
    });
    return { value: link, ended };
  });
}

/** Gives an account another role; its sessions carry the new one from their next request. */
export function setAccountRole(db: Db, by: Actor, name: string, role: Role): void {
  mayManage(by);
  if (!isRole(role)) throw new AccountError(`a role is one of ${ROLES.join(', ')}`);
  change(db, () => {
    const account = existing(db, name);
    if (account.role === role) return { value: undefined };
    if (role !== 'admin') keepAnAdmin(db, account);
    setAccountRoleRow(db, account.id, role);
    appendAudit(db, 'role changed', by.name, { account: account.name, from: account.role, to: role });
    return { value: undefined };
  });
}
