// Signing in to a team server (main/team/sessions.ts): a right password makes a new session, a
// wrong one and a name that is no account get the same answer and the same slowing down, a
// guesser is locked out, sessions time out. Real SQLite files, real scrypt; the clock is the
// test's, so waiting a quarter of an hour takes no time.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { listAudit } from '../main/store/audit.js';
import { hashPassword, passwordProblem, SCRYPT, verifyPassword } from '../main/team/passwords.js';
import type { SessionsEnded } from '../main/team/sessionEnds.js';
import { SESSION_POLICY, type SignInResult } from '../main/team/sessions.js';
import { delayAfter } from '../main/team/throttle.js';
import { enrolled, PASSWORD, teamStore } from './support/accounts.js';

const MINUTE = 60_000;
const refusal = (result: SignInResult) => {
  assert.equal(result.ok, false, 'refused');
  return result as Extract<SignInResult, { ok: false }>;
};

test('a right password opens a session for the account: its name and role, a CSRF token', async () => {
  const store = teamStore();
  await enrolled(store, 'maya', 'lead');
  const result = await store.sessions.signIn('Maya', PASSWORD, { ip: '192.0.2.1', userAgent: 'test' });
  assert.ok(result.ok);
  const session = await store.sessions.resolve(result.token);
  assert.deepEqual(session?.actor, { name: 'maya', role: 'lead', via: 'account', accountId: session?.actor.accountId });
  assert.equal(session?.csrf, result.csrf);
  assert.equal(session?.sessionId, result.sessionId);
  assert.equal(await store.sessions.resolve(result.csrf), null, 'the CSRF token opens nothing');
  assert.equal(await store.sessions.resolve(`${result.token}x`), null);
});

test('the token is never stored: the session is kept under its SHA-256', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const result = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(result.ok);
  const ids = store.db.prepare('SELECT id FROM sessions').pluck().all();
  assert.deepEqual(ids, [createHash('sha256').update(result.token).digest('hex')]);
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = readFileSync(store.path);
  assert.equal(bytes.includes(Buffer.from(result.token)), false, 'the token is nowhere in the file');
  const hash = store.db.prepare('SELECT password_hash FROM accounts').pluck().get() as string;
  assert.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{43}\$[A-Za-z0-9_-]{86}$/, 'scrypt N=2^15 r=8 p=1, 32-byte salt, 64-byte key');
  assert.equal(bytes.includes(Buffer.from(PASSWORD)), false, 'nor is the password');
});

test('every sign-in is a new session: signing in again never hands back a token in use', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const first = await store.sessions.signIn('maya', PASSWORD);
  const second = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(first.ok && second.ok);
  assert.notEqual(first.token, second.token);
  assert.notEqual(first.csrf, second.csrf);
});

test('a wrong password and a name that is no account get the same answer, the same waits and the same lockout', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const answers = async (name: string, ip: string) => {
    const seen: unknown[] = [];
    // Twelve guesses, each as soon as it is allowed, then one too soon.
    for (let i = 0; i < 12; i++) {
      const result = refusal(await store.sessions.signIn(name, 'not the password', { ip }));
      seen.push(result);
      store.clock.advance(result.retryAfterMs ?? delayAfter(i + 1));
    }
    return seen;
  };
  const start = store.clock.time;
  const forAccount = await answers('maya', '192.0.2.10');
  store.clock.time = start;
  const forNobody = await answers('nobody', '192.0.2.11');
  assert.deepEqual(forNobody, forAccount);
  assert.deepEqual(forAccount[0], { ok: false, why: 'invalid', message: 'Wrong name or password.' });
  assert.equal((forAccount[9] as { why: string }).why, 'locked', 'the tenth failure locks the name');
  // Both are in the audit trail, under the name tried.
  // Both are in the audit trail: under the account, or under "(no account)" with the name tried.
  const failed = listAudit(store.db).filter((row) => row.action === 'sign-in failed');
  assert.deepEqual([...new Set(failed.map((row) => `${row.moderator} ${row.details['name'] ?? ''}`))], ['maya ', '(no account) nobody']);
});

test('a name that is no account costs a password check too (no telling names apart by time)', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  // CPU time of this process (scrypt runs on libuv's threads, which count too): a ratio on one
  // machine, not a speed. Without the decoy check an unknown name costs a database lookup, about
  // a thousandth of a check.
  const cost = async (name: string, ip: string) => {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = process.cpuUsage();
      await store.sessions.signIn(name, 'not the password', { ip: `${ip}${i}` });
      const used = process.cpuUsage(before);
      samples.push(used.user + used.system);
      store.clock.advance(10 * MINUTE);
    }
    return samples.sort((a, b) => a - b)[1]!;
  };
  const known = await cost('maya', '192.0.2.2');
  const unknown = await cost('nobody', '192.0.2.3');
  assert.ok(unknown > known / 4, `an unknown name took ${unknown} µs of CPU, a wrong password ${known} µs`);
});

test('each failure doubles the wait before the next attempt, from 250 ms; an attempt too soon is not checked', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const ip = '192.0.2.20';
  for (const [failures, wait] of [
    [1, 250],
    [2, 500],
    [3, 1000],
    [4, 2000],
  ] as const) {
    assert.equal(refusal(await store.sessions.signIn('maya', 'wrong password!', { ip })).why, 'invalid');
    const tooSoon = refusal(await store.sessions.signIn('maya', PASSWORD, { ip }));
    assert.deepEqual([tooSoon.why, tooSoon.retryAfterMs], ['throttled', wait], `after ${failures} failures`);
    store.clock.advance(wait - 1);
    assert.equal(refusal(await store.sessions.signIn('maya', PASSWORD, { ip })).why, 'throttled', 'even the right password waits');
    store.clock.advance(1);
  }
  const failures = store.db.prepare('SELECT failed_logins FROM accounts').pluck().get();
  assert.equal(failures, 4, 'refused attempts are not counted');
  assert.ok((await store.sessions.signIn('maya', PASSWORD, { ip })).ok, 'once the wait is over, the right password works');
  assert.equal(store.db.prepare('SELECT failed_logins FROM accounts').pluck().get(), 0, 'and the count starts again');
  assert.equal(delayAfter(20), 60_000, 'the wait is capped at a minute');
});

test('one address guessing many names is slowed down across them', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  await enrolled(store, 'ravi');
  const ip = '192.0.2.30';
  const attempt = async (name: string, from = ip) => refusal(await store.sessions.signIn(name, 'wrong password!', { ip: from }));
  assert.equal((await attempt('maya')).why, 'invalid');
  store.clock.advance(250);
  assert.equal((await attempt('ravi')).why, 'invalid', 'a name of its own, after the address waited 250 ms');
  const third = await attempt('nobody');
  assert.deepEqual([third.why, third.retryAfterMs], ['throttled', 500], 'a third name, never tried: the address waits 500 ms');
  store.clock.advance(500);
  assert.equal((await attempt('nobody')).why, 'invalid');
  const fourth = await attempt('zoe');
  assert.deepEqual([fourth.why, fourth.retryAfterMs], ['throttled', 1000]);
  assert.ok((await store.sessions.signIn('ravi', PASSWORD, { ip: '198.51.100.1' })).ok, 'another address is not slowed by it');
});

test('ten failures lock the name for 15 minutes, the right password included, across a restart', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  for (let i = 1; i <= 10; i++) {
    const result = refusal(await store.sessions.signIn('maya', 'wrong password!', { ip: `192.0.2.${100 + i}` }));
    assert.equal(result.why, i < 10 ? 'invalid' : 'locked', `failure ${i}`);
    if (i === 10) assert.equal(result.retryAfterMs, SESSION_POLICY.lockMs);
    else store.clock.advance(delayAfter(i));
  }
  const locked = refusal(await store.sessions.signIn('maya', PASSWORD, { ip: '198.51.100.7' }));
  assert.equal(locked.why, 'locked', 'the right password from another address is refused too');
  assert.match(locked.message, /try again in 15 minutes/);
  // A restart (a new Sessions on the same file) remembers the lock: it is in the account's row.
  const { Sessions } = await import('../main/team/sessions.js');
  const restarted = new Sessions(store.db, { now: store.clock.now });
  assert.equal(refusal(await restarted.signIn('maya', PASSWORD)).why, 'locked');
  store.clock.advance(SESSION_POLICY.lockMs);
  assert.ok((await restarted.signIn('maya', PASSWORD)).ok, 'after 15 minutes the right password works');
  const rows = listAudit(store.db).filter((row) => row.action === 'sign-in failed');
  assert.equal(rows.length, 10);
  assert.ok('lockedUntil' in rows[9]!.details, 'the failure that locked it says until when');
});

test('guesses sent together are checked one at a time: the second waits for the first to count', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const answers = await Promise.all(
    Array.from({ length: 5 }, () => store.sessions.signIn('maya', 'wrong password!', { ip: '192.0.2.40' })),
  );
  assert.deepEqual(
    answers.map((a) => refusal(a).why),
    ['invalid', 'throttled', 'throttled', 'throttled', 'throttled'],
  );
  assert.equal(store.db.prepare('SELECT failed_logins FROM accounts').pluck().get(), 1);
});

test('colleagues behind one address who sign in at the same moment each get in, one after the other', async () => {
  const store = teamStore();
  const names = ['maya', 'noor', 'omar', 'pia', 'quinn'];
  for (const name of names) await enrolled(store, name);
  const answers = await Promise.all(names.map((name) => store.sessions.signIn(name, PASSWORD, { ip: '192.0.2.41' })));
  assert.deepEqual(
    answers.map((a) => (a.ok ? a.actor.name : a.why)),
    names,
  );
});

test('a session unused for 30 minutes ends; using it keeps it, its last use written at most once a minute', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const ended: SessionsEnded[] = [];
  store.sessions.onEnded((event) => ended.push(event));
  const result = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(result.ok);
  const lastSeen = () => store.db.prepare('SELECT last_seen_at FROM sessions').pluck().get() as number;
  const signedInAt = lastSeen();
  store.clock.advance(30_000);
  assert.ok(await store.sessions.resolve(result.token));
  assert.equal(lastSeen(), signedInAt, 'used within a minute: not written');
  store.clock.advance(29 * MINUTE);
  assert.ok(await store.sessions.resolve(result.token), 'used after 29.5 minutes: still open');
  assert.equal(lastSeen(), store.clock.time, 'and its last use written');
  store.clock.advance(30 * MINUTE - 1);
  assert.ok(await store.sessions.resolve(result.token), 'the idle time counts from the last use');
  store.clock.advance(30 * MINUTE);
  assert.equal(await store.sessions.resolve(result.token), null, '30 minutes unused: ended');
  assert.deepEqual(ended, [{ accountId: ended[0]?.accountId, sessionIds: [result.sessionId], reason: 'expired' }]);
  assert.equal(store.db.prepare('SELECT count(*) FROM sessions').pluck().get(), 0, 'and removed');
});

test('a session ends 12 hours after its sign-in, however busy', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const result = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(result.ok);
  for (let elapsed = 0; elapsed < 12 * 60 * MINUTE - 10 * MINUTE; elapsed += 10 * MINUTE) {
    store.clock.advance(10 * MINUTE);
    assert.ok(await store.sessions.resolve(result.token), `open after ${(elapsed + 10 * MINUTE) / MINUTE} minutes`);
  }
  store.clock.advance(10 * MINUTE);
  assert.equal(await store.sessions.resolve(result.token), null);
});

test('sweep removes the sessions past their timeouts and says so', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const result = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(result.ok);
  const ended: SessionsEnded[] = [];
  store.sessions.onEnded((event) => ended.push(event));
  store.clock.advance(31 * MINUTE);
  await store.sessions.sweep();
  assert.deepEqual(
    ended.map((e) => [e.sessionIds, e.reason]),
    [[[result.sessionId], 'expired']],
  );
  assert.equal(store.db.prepare('SELECT count(*) FROM sessions').pluck().get(), 0);
});

test('signing out ends the session, in the audit trail', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const result = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(result.ok);
  const ended: SessionsEnded[] = [];
  store.sessions.onEnded((event) => ended.push(event));
  assert.equal(await store.sessions.signOut(result.token), true);
  assert.equal(await store.sessions.resolve(result.token), null);
  assert.equal(await store.sessions.signOut(result.token), false, 'once');
  assert.deepEqual(
    ended.map((e) => e.reason),
    ['signed out'],
  );
  assert.deepEqual(
    listAudit(store.db)
      .filter((row) => row.moderator === 'maya')
      .map((row) => row.action),
    ['enrolled', 'signed in', 'signed out', 'signed in', 'signed out'],
  );
});

test('a password hashed with weaker parameters is hashed again with today’s at the next sign-in', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const weak = await hashPassword(PASSWORD, { N: 2 ** 12, r: 8, p: 1 });
  store.db.prepare('UPDATE accounts SET password_hash = ?').run(weak);
  assert.ok((await store.sessions.signIn('maya', PASSWORD)).ok);
  const now = store.db.prepare('SELECT password_hash FROM accounts').pluck().get() as string;
  assert.ok(now.startsWith(`scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$`), now);
  assert.ok(await verifyPassword(PASSWORD, now));
});

test('passwords: at least 12 characters, at most 1024 bytes, compared after Unicode normalisation', async () => {
  assert.match(passwordProblem('eleven char') ?? '', /at least 12/);
  assert.equal(passwordProblem('twelve chars'), null);
  assert.equal(passwordProblem('é'.repeat(512)), null, '1024 bytes');
  assert.match(passwordProblem('é'.repeat(513)) ?? '', /at most 1024 bytes/);
  await assert.rejects(hashPassword('short'), /at least 12/);
  const hash = await hashPassword('caf\u00e9 au lait, please');
  assert.ok(await verifyPassword('cafe\u0301 au lait, please', hash), 'é typed as e + combining accent');
  assert.equal(await verifyPassword('cafe au lait, please', hash), false);
  assert.equal(await verifyPassword('x'.repeat(5000), hash), false, 'too long to be one: refused');
  assert.equal(
    await verifyPassword(PASSWORD, 'scrypt$1099511627776$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAA'),
    false,
    'a hostile stored N is not run',
  );
});
