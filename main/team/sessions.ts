// Signing in to a team server, and the sessions that follow. A session is a random token in the
// browser's cookie (never one the browser proposed: each sign-in makes a new one), stored as its
// SHA-256 with a CSRF token the desk sends back on every call that writes. It ends after 30
// minutes without a request (its last use is written at most once a minute) or 12 hours after the
// sign-in, whichever is first; when its holder signs out; when its account is disabled or reset.
//
// A sign-in with a wrong password and one with a name that is no account get the same answer,
// after the same work (passwords.ts), and are slowed down and locked out by the same rule
// (throttle.ts): a guesser learns nothing about which names exist.
import type { Actor } from '../../shared/access.js';
import type { Db } from '../store/db.js';
import { sqliteAccountStore, type Account, type AccountStore, type SessionRow, type SignInTurn } from './accountStore.js';
import { hashPassword, needsRehash, passwordProblem, verifyPassword } from './passwords.js';
import type { SessionEndReason, SessionsEndedListener } from './sessionEnds.js';
import { afterFailure, FailureMemory, mustWait, SIGN_IN_THROTTLE, type FailureRecord, type ThrottlePolicy } from './throttle.js';
import { MAX_TOKEN_LENGTH, newToken, tokenDigest } from './tokens.js';

export interface SessionPolicy extends ThrottlePolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after its sign-in, used or not. */
  absoluteMs: number;
  /** How stale a session's stored last use may get before a request writes it again. */
  touchEveryMs: number;
}

export const SESSION_POLICY: Readonly<SessionPolicy> = {
  ...SIGN_IN_THROTTLE,
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 60 * 60_000,
  touchEveryMs: 60_000,
};

/** Who is signing in, as the audit trail records it. */
export interface ClientInfo {
  /** The client's address (behind a trusted proxy, the address it forwarded). */
  ip?: string;
  userAgent?: string;
}

/** A session just made: the token goes in the cookie (setSessionCookie), the CSRF token to the page. */
export interface NewSession {
  ok: true;
  token: string;
  csrf: string;
  actor: Actor;
  sessionId: string;
}

export type SignInRefusal = {
  ok: false;
  /** invalid: wrong name or password (one answer for both); throttled: too soon after a failure; locked: too many failures; disabled: right password, disabled account. */
  why: 'invalid' | 'throttled' | 'locked' | 'disabled';
  /** A sentence for the sign-in page. */
  message: string;
  /** When it is worth trying again (throttled, locked). */
  retryAfterMs?: number;
};

export type SignInResult = NewSession | SignInRefusal;

export type EnrolResult = NewSession | { ok: false; why: 'link' | 'password'; message: string };

/** A request's session, as it stands: the account's current name and role. */
export interface ResolvedSession {
  actor: Actor & { via: 'account'; accountId: number };
  csrf: string;
  sessionId: string;
}

/** What an enrolment link opens: the account it sets a password for. */
export interface EnrolmentLinkInfo {
  account: string;
  expiresAt: number;
}

export interface SessionsOptions {
  /** The clock (tests move it instead of waiting). */
  now?: () => number;
  policy?: Partial<SessionPolicy>;
}

const INVALID = 'Wrong name or password.';
const LINK_INVALID = 'This link does not work any more: it was used, it expired, or a newer one was made. Ask an admin for a new one.';
const MAX_USER_AGENT = 300;
/** How much of a typed name is kept (to count its failures, in an audit row): more than any account name has. */
const MAX_TYPED_NAME = 128;
/**
 * Whom a failed sign-in for a name that is no account is recorded under: not the name typed, which
 * could be made to look like an account's (`maya` with a zero-width space); that is in the details.
 */
export const NO_ACCOUNT = '(no account)';

function waitMessage(refusal: { why: 'locked' | 'throttled'; retryAfterMs: number }): string {
  const seconds = Math.ceil(refusal.retryAfterMs / 1000);
  const wait = seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} second${seconds === 1 ? '' : 's'}`;
  return refusal.why === 'locked'
    ? `Too many failed sign-ins for this name: try again in ${wait}.`
    : `Too many failed sign-ins: try again in ${wait}.`;
}

/** A typed name as the names of accounts compare (SQLite's NOCASE folds ASCII letters only). */
const nameKey = (name: string) => name.normalize('NFC').replace(/[A-Z]/g, (c) => c.toLowerCase());

const failuresOf = (account: Account): FailureRecord => ({
  failures: account.failedLogins,
  lastFailedAt: account.lastFailedAt,
  lockedUntil: account.lockedUntil,
});

const accountActor = (account: Account): ResolvedSession['actor'] => ({
  name: account.name,
  role: account.role,
  via: 'account',
  accountId: account.id,
});

/**
 * A team server's sign-ins and sessions, over its store's accounts (accountStore.ts): a SQLite
 * file's (given as its connection) or a PostgreSQL database's. Audit rows carry the real time of
 * the event, whatever clock the policy runs on (tests move it): the trail's order is the order
 * things happened.
 */
export class Sessions {
  private readonly now: () => number;
  private readonly policy: SessionPolicy;
  private readonly store: AccountStore;
  /** Failures of names that are no account, and of client addresses. */
  private readonly unknownNames = new FailureMemory();
  private readonly addresses = new FailureMemory();
  /** The sign-in checks under way, by name and by address: the next waits for the one before. */
  private readonly turns = new Map<string, Promise<void>>();
  /** Sessions this process handed out or served, to notice those ended elsewhere (sweep). */
  private readonly live = new Map<string, number>();
  private readonly stopListening: () => void;
  private stopWatching: (() => void) | null = null;

  constructor(store: Db | AccountStore, options: SessionsOptions = {}) {
    this.store = 'signInTurn' in store ? store : sqliteAccountStore(store);
    this.now = options.now ?? Date.now;
    this.policy = { ...SESSION_POLICY, ...options.policy };
    this.stopListening = this.store.onEnded(({ sessionIds }) => sessionIds.forEach((id) => this.live.delete(id)));
  }

  /**
   * Checks a name and password. A right one makes a new session (a new token, whatever cookie the
   * browser had); a wrong one counts against the name and the address, and so does one for a name
   * that is no account, with the same answer. Attempts too soon after a failure are refused
   * without checking the password.
   */
  async signIn(typed: string, password: string, client: ClientInfo = {}): Promise<SignInResult> {
    const name = typed.slice(0, MAX_TYPED_NAME);
    const key = `name:${nameKey(name)}`;
    const addressKey = client.ip ? `ip:${client.ip}` : null;
    // One check at a time per name and per address, each waiting for the one before: a burst of
    // parallel guesses then meets the first one's failure in the wait below, while colleagues
    // behind one address who sign in at the same moment each get their turn (a moment later).
    // Across team servers on one PostgreSQL database, the store's turn holds the account's row.
    return this.inTurn([key, ...(addressKey === null ? [] : [addressKey])], () =>
      this.store.signInTurn(name.normalize('NFC'), async (turn) => {
        const account = await turn.account();
        const refused = this.mustWait(account, name, client.ip, this.now());
        if (refused) return { ok: false as const, ...refused, message: waitMessage(refused) };
        return this.check(turn, account, name, password, client);
      }),
    );
  }

  /** Runs `run` once every earlier run holding any of `keys` has finished. */
  private async inTurn<T>(keys: readonly string[], run: () => Promise<T>): Promise<T> {
    const before = keys.map((key) => this.turns.get(key) ?? Promise.resolve());
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    for (const key of keys) this.turns.set(key, mine);
    try {
      await Promise.all(before);
      return await run();
    } finally {
      done();
      for (const key of keys) if (this.turns.get(key) === mine) this.turns.delete(key);
    }
  }

  private async check(turn: SignInTurn, found: Account | null, name: string, password: string, client: ClientInfo): Promise<SignInResult> {
    const right = await verifyPassword(password, found?.passwordHash ?? null);
    const account = found && (await turn.account()); // as it is now, after the check's await
    if (!right || !account || account.passwordHash !== found?.passwordHash) return this.failed(turn, name, account, client);
    if (account.disabledAt !== null) {
      await turn.audit('sign-in failed', account.name, { why: 'account disabled', ...clientDetails(client) });
      return { ok: false, why: 'disabled', message: 'This account is disabled: ask an admin.' };
    }
    // Parameters raised since this password was hashed: hash it again with today's.
    const rehashed = account.passwordHash !== null && needsRehash(account.passwordHash) ? await hashPassword(password) : null;
    const { row, session } = this.newSession(account, client);
    await turn.succeeded(account, rehashed, row, clientDetails(client));
    this.live.set(row.id, account.id);
    return session;
  }

  private mustWait(account: Account | null, name: string, ip: string | undefined, now: number) {
    const forName = mustWait(account ? failuresOf(account) : this.unknownNames.get(nameKey(name)), now, this.policy);
    const forAddress = ip ? mustWait(this.addresses.get(ip), now, this.policy) : null;
    if (forName?.why === 'locked') return forName;
    if (!forName || !forAddress) return forName ?? forAddress;
    return forName.retryAfterMs >= forAddress.retryAfterMs ? forName : forAddress;
  }

  private async failed(turn: SignInTurn, typed: string, account: Account | null, client: ClientInfo): Promise<SignInRefusal> {
    const now = this.now();
    let record: FailureRecord;
    if (account) {
      record = afterFailure(failuresOf(account), now, true, this.policy);
      await turn.failed(account, record, failureDetails(record, client));
    } else {
      record = afterFailure(this.unknownNames.get(nameKey(typed)), now, true, this.policy);
      this.unknownNames.set(nameKey(typed), record);
      await turn.audit('sign-in failed', NO_ACCOUNT, { name: typed.normalize('NFC'), ...failureDetails(record, client) });
    }
    if (client.ip) this.addresses.set(client.ip, afterFailure(this.addresses.get(client.ip), now, false, this.policy));
    if (record.lockedUntil !== null) {
      const refusal = { why: 'locked' as const, retryAfterMs: record.lockedUntil - now };
      return { ok: false, ...refusal, message: waitMessage(refusal) };
    }
    return { ok: false, why: 'invalid', message: INVALID };
  }

  /** A new session for `account`: its row (for the store to keep) and what the browser gets. */
  private newSession(account: Account, client: ClientInfo): { row: SessionRow; session: NewSession } {
    const token = newToken();
    const csrf = newToken();
    const sessionId = tokenDigest(token);
    const now = this.now();
    const row: SessionRow = {
      id: sessionId,
      accountId: account.id,
      csrf,
      createdAt: now,
      lastSeenAt: now,
      ip: client.ip ?? null,
      userAgent: client.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
    };
    return { row, session: { ok: true, token, csrf, actor: accountActor(account), sessionId } };
  }

  /**
   * The session a cookie's token opens, or null: no such session, idle past the timeout, past its
   * absolute lifetime, or its account disabled. A session in use has its last use written again
   * once a minute at most.
   */
  async resolve(token: string | null | undefined): Promise<ResolvedSession | null> {
    if (!token || token.length > MAX_TOKEN_LENGTH) return null;
    const found = await this.store.sessionWithAccount(tokenDigest(token));
    if (!found) return null;
    const { session, account } = found;
    const now = this.now();
    const expired = now - session.lastSeenAt >= this.policy.idleMs || now - session.createdAt >= this.policy.absoluteMs;
    if (expired || account.disabledAt !== null) {
      if (await this.store.deleteSession(session.id))
        this.store.announce({ accountId: account.id, sessionIds: [session.id], reason: expired ? 'expired' : 'disabled' });
      return null;
    }
    if (now - session.lastSeenAt >= this.policy.touchEveryMs) await this.store.touchSession(session.id, now);
    this.live.set(session.id, account.id);
    return { actor: accountActor(account), csrf: session.csrf, sessionId: session.id };
  }

  /** Ends the session a token opens (audited as its account's sign-out); answers whether there was one. */
  async signOut(token: string | null | undefined): Promise<boolean> {
    if (!token || token.length > MAX_TOKEN_LENGTH) return false;
    const id = tokenDigest(token);
    const account = await this.store.signOut(id);
    if (account === null) return false;
    this.store.announce({ accountId: account.id, sessionIds: [id], reason: 'signed out' });
    return true;
  }

  /** Ends every session of an account now; answers how many. (Disabling and resetting an account do this themselves.) */
  async endSessionsOf(accountId: number, reason: SessionEndReason = 'disabled'): Promise<number> {
    const ended = await this.store.endSessionsOf(accountId, reason);
    this.store.announce(ended);
    return ended.sessionIds.length;
  }

  /**
   * Hears every end of sessions: a sign-out, a timeout found by resolve or sweep, a disabled or
   * reset account (here or, found by sweep, in another process). The server closes the sessions'
   * live event streams. Answers a function that stops listening.
   */
  onEnded(listener: SessionsEndedListener): () => void {
    return this.store.onEnded(listener);
  }

  /**
   * Removes the sessions past their timeouts, and notices the sessions this process served that
   * another one ended (`omv users disable` while the server runs, another team server); announces both.
   */
  async sweep(): Promise<void> {
    const now = this.now();
    const expired = await this.store.deleteExpiredSessions(now - this.policy.idleMs, now - this.policy.absoluteMs);
    for (const { id, accountId } of expired) this.store.announce({ accountId, sessionIds: [id], reason: 'expired' });
    const ids = [...this.live.keys()];
    const stored = await this.store.storedSessions(ids);
    for (const id of ids) {
      if (stored.has(id) || !this.live.has(id)) continue;
      const accountId = this.live.get(id)!;
      this.live.delete(id);
      this.store.announce({ accountId, sessionIds: [id], reason: 'ended elsewhere' });
    }
  }

  /** Sweeps every `everyMs` (default 1 s) until stopped or closed; the timer does not keep the process alive. */
  watch(everyMs = 1000, log: (line: string) => void = () => {}): () => void {
    this.stopWatching?.();
    let sweeping = false;
    // A store that cannot be reached (PostgreSQL restarting, or gone) is swept again at every tick;
    // the log says so when it starts failing and when it works again, not once a tick.
    let failing: { since: number; failures: number } | null = null;
    const timer = setInterval(() => {
      if (sweeping) return; // a slow store: the next sweep starts when this one is done
      sweeping = true;
      this.sweep()
        .then(() => {
          if (failing === null) return;
          const seconds = Math.round((Date.now() - failing.since) / 1000);
          log(`sessions: sweep works again (it failed ${failing.failures} times in ${seconds} s)`);
          failing = null;
        })
        .catch((error: unknown) => {
          if (failing !== null) return void failing.failures++;
          failing = { since: Date.now(), failures: 1 };
          const every = everyMs >= 1000 ? `${everyMs / 1000} s` : `${everyMs} ms`;
          log(`sessions: sweep failed, tried again every ${every} (said again once it works): ${String(error)}`);
        })
        .finally(() => (sweeping = false));
    }, everyMs);
    timer.unref();
    this.stopWatching = () => clearInterval(timer);
    return this.stopWatching;
  }

  /** Stops watching and listening (the store stays open: it is the caller's). */
  close(): void {
    this.stopWatching?.();
    this.stopListening();
  }

  /** The account an enrolment link sets a password for, while the link works; else null. */
  async enrolment(token: string | null | undefined): Promise<EnrolmentLinkInfo | null> {
    if (!token || token.length > MAX_TOKEN_LENGTH) return null;
    const link = await this.store.usableLink(tokenDigest(token), this.now());
    return link && { account: link.account.name, expiresAt: link.expiresAt };
  }

  /** Sets the password an enrolment link is for (the link is then used up) and signs its holder in. */
  async enrol(token: string | null | undefined, password: string, client: ClientInfo = {}): Promise<EnrolResult> {
    if (!token || token.length > MAX_TOKEN_LENGTH) return { ok: false, why: 'link', message: LINK_INVALID };
    const digest = tokenDigest(token);
    const link = await this.store.usableLink(digest, this.now());
    if (!link) return { ok: false, why: 'link', message: LINK_INVALID };
    const problem = passwordProblem(password);
    if (problem) return { ok: false, why: 'password', message: `${problem[0]!.toUpperCase()}${problem.slice(1)}.` };
    const hash = await hashPassword(password);
    const { row, session } = this.newSession(link.account, client);
    const { accountId: _, ...unowned } = row;
    // The store uses the link again, in the transaction: another tab (or team server) may have used it during the hash.
    const account = await this.store.enrol(digest, this.now(), hash, unowned, clientDetails(client));
    if (!account) return { ok: false, why: 'link', message: LINK_INVALID };
    this.live.set(row.id, account.id);
    return { ...session, actor: accountActor(account) };
  }
}

function clientDetails(client: ClientInfo): Record<string, unknown> {
  return { ip: client.ip ?? null, userAgent: client.userAgent?.slice(0, MAX_USER_AGENT) ?? null };
}

function failureDetails(record: FailureRecord, client: ClientInfo): Record<string, unknown> {
  return {
    why: 'wrong name or password',
    failures: record.failures,
    ...(record.lockedUntil === null ? {} : { lockedUntil: new Date(record.lockedUntil).toISOString() }),
    ...clientDetails(client),
  };
}
