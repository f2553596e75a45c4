// A team server's accounts on either store (main/team/accountStore.ts): a SQLite file, and a
// PostgreSQL database (main/store/pg/accounts.ts). The same sign-in, enrolment, lockout and
// session timeouts through Sessions on each, the clock the test's; and on PostgreSQL, two
// Sessions (two team servers) on one database: a link used by both at once is used once, guesses
// on both are checked one at a time and their failures add up.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDatabase } from '../main/store/db.js';
import { pgAccountStore } from '../main/store/pg/accounts.js';
import { openPgEngine, type PgEngine } from '../main/store/pg/engine.js';
import { sqliteAccountStore, type AccountStore } from '../main/team/accountStore.js';
import { AccountError } from '../main/team/accounts.js';
import type { SessionsEnded } from '../main/team/sessionEnds.js';
import { Sessions, SESSION_POLICY, type SignInResult } from '../main/team/sessions.js';
import { delayAfter } from '../main/team/throttle.js';
import { Clock, OPERATOR, PASSWORD } from './support/accounts.js';
import { DESK_ENGINES, type DeskEngine } from './support/desk.js';
import { pgDatabase } from './support/teamServer.js';
import { tempDir } from './support/tmp.js';

const MINUTE = 60_000;
const refusal = (result: SignInResult) => {
  assert.equal(result.ok, false, 'refused');
  return result as Extract<SignInResult, { ok: false }>;
};

interface Store {
  accounts: AccountStore;
  clock: Clock;
  sessions: Sessions;
  /** Another team server's Sessions on the same store (its own memory, its own turns). */
  another(): Sessions;
  /** One value of one statement, beside the server (`?` placeholders). */
  value(sql: string): Promise<number | string | null>;
  auditActions(): Promise<string[]>;
}

const engines: PgEngine[] = [];
after(async () => {
  await Promise.all(engines.map((engine) => engine.close()));
});

async function newStore(engine: DeskEngine): Promise<Store> {
  const clock = new Clock();
  /** The store as one more team server opens it: on PostgreSQL a store of its own on the pool; on SQLite a connection of its own. */
  let open: () => AccountStore;
  let value: Store['value'];
  if (engine === 'postgres') {
    const pgEngine = await openPgEngine(await pgDatabase());
    engines.push(pgEngine);
    open = () => pgAccountStore(pgEngine.writes.writer.pool);
    value = async (sql) => {
      const row = (await pgEngine.writes.writer.pool.query<Record<string, number | string | null>>(sql)).rows[0];
      return row ? Object.values(row)[0]! : null;
    };
  } else {
    const path = join(tempDir('omv-accounts-'), 'omv.sqlite');
    const db = openDatabase(path);
    after(() => db.close());
    let first = true;
    open = () => {
      if (first) return ((first = false), sqliteAccountStore(db));
      const other = openDatabase(path);
      after(() => other.close());
      return sqliteAccountStore(other);
    };
    value = async (sql) => (db.prepare(sql).pluck().get() as number | string | undefined) ?? null;
  }
  const accounts = open();
  const another = () => new Sessions(open(), { now: clock.now });
  return {
    accounts,
    clock,
    sessions: new Sessions(accounts, { now: clock.now }),
    another,
    value,
    auditActions: async () => {
      const rows = engine === 'postgres' ? "string_agg(action, '|' ORDER BY id)" : "group_concat(action, '|')";
      return String((await value(`SELECT ${rows} FROM audit_log`)) ?? '').split('|');
    },
  };
}

async function enrolled(store: Store, name: string, role: 'moderator' | 'admin' = 'moderator'): Promise<void> {
  const link = await store.accounts.add(OPERATOR, name, role, { now: store.clock.now() });
  const result = await store.sessions.enrol(link.token, PASSWORD);
  assert.ok(result.ok, 'enrolled');
  await store.sessions.signOut(result.token);
}

for (const { engine, skip } of DESK_ENGINES)
  describe(`accounts and sessions${engine === 'postgres' ? ' on PostgreSQL' : ' in a SQLite file'}`, { skip }, () => {
    test('an enrolment link sets the password once, signs its holder in, and stops working after 72 hours', async () => {
      const store = await newStore(engine);
      const link = await store.accounts.add(OPERATOR, 'maya', 'moderator', { now: store.clock.now() });
      assert.deepEqual(await store.sessions.enrolment(link.token), { account: 'maya', expiresAt: link.expiresAt });
      assert.deepEqual(
        (await store.accounts.list()).map((a) => a.state),
        ['awaiting enrolment'],
      );
      const first = await store.sessions.enrol(link.token, PASSWORD);
      assert.ok(first.ok);
      assert.equal((await store.sessions.resolve(first.token))?.actor.name, 'maya', 'signed in');
      const second = await store.sessions.enrol(link.token, 'another long password');
      assert.deepEqual([second.ok, second.ok || second.why], [false, 'link'], 'the link is used up');
      assert.ok((await store.sessions.signIn('maya', PASSWORD)).ok, 'the first password stands');

      const late = await store.accounts.add(OPERATOR, 'noor', 'moderator', { now: store.clock.now() });
      store.clock.advance(72 * 60 * MINUTE);
      assert.equal(await store.sessions.enrolment(late.token), null, 'expired');
      assert.equal((await store.sessions.enrol(late.token, PASSWORD)).ok, false);
      assert.deepEqual((await store.auditActions()).slice(0, 4), ['account added', 'enrolled', 'signed in', 'signed in']);
    });

    test('ten failures lock the name for 15 minutes, the right password included, across a restart', async () => {
      const store = await newStore(engine);
      await enrolled(store, 'maya');
      for (let i = 1; i <= 10; i++) {
        const result = refusal(await store.sessions.signIn('maya', 'wrong password!', { ip: `192.0.2.${100 + i}` }));
        assert.equal(result.why, i < 10 ? 'invalid' : 'locked', `failure ${i}`);
        if (i < 10) store.clock.advance(delayAfter(i));
      }
      assert.equal(Number(await store.value('SELECT failed_logins FROM accounts')), 10);
      assert.equal(refusal(await store.sessions.signIn('maya', PASSWORD, { ip: '198.51.100.7' })).why, 'locked');
      // A restart (another Sessions on the same store) remembers the lock: it is in the account's row.
      const restarted = store.another();
      assert.equal(refusal(await restarted.signIn('maya', PASSWORD)).why, 'locked');
      store.clock.advance(SESSION_POLICY.lockMs);
      assert.ok((await restarted.signIn('maya', PASSWORD)).ok, 'after 15 minutes the right password works');
      assert.equal((await store.auditActions()).filter((action) => action === 'sign-in failed').length, 10);
    });

    test('a session unused for 30 minutes ends, one used ends 12 hours after its sign-in; sweep says so', async () => {
      const store = await newStore(engine);
      await enrolled(store, 'maya');
      const ended: SessionsEnded[] = [];
      store.sessions.onEnded((e) => ended.push(e));
      const idle = await store.sessions.signIn('maya', PASSWORD);
      assert.ok(idle.ok);
      store.clock.advance(29 * MINUTE);
      assert.ok(await store.sessions.resolve(idle.token), 'used after 29 minutes');
      store.clock.advance(29 * MINUTE);
      assert.ok(await store.sessions.resolve(idle.token), 'the idle time counts from the last use');
      store.clock.advance(30 * MINUTE);
      assert.equal(await store.sessions.resolve(idle.token), null, '30 minutes unused: ended');
      assert.deepEqual(
        ended.map((e) => e.reason),
        ['expired'],
      );

      const busy = await store.sessions.signIn('maya', PASSWORD);
      assert.ok(busy.ok);
      for (let elapsed = 0; elapsed < 12 * 60 * MINUTE - 10 * MINUTE; elapsed += 10 * MINUTE) {
        store.clock.advance(10 * MINUTE);
        assert.ok(await store.sessions.resolve(busy.token));
      }
      store.clock.advance(10 * MINUTE);
      assert.equal(await store.sessions.resolve(busy.token), null, '12 hours after the sign-in');

      const swept = await store.sessions.signIn('maya', PASSWORD);
      assert.ok(swept.ok);
      store.clock.advance(31 * MINUTE);
      await store.sessions.sweep();
      assert.equal(Number(await store.value('SELECT count(*) FROM sessions')), 0);
      assert.deepEqual(
        ended.map((e) => e.reason),
        ['expired', 'expired', 'expired'],
      );
    });

    test('disabling an account ends its sessions at once, elsewhere too; the last admin stays; a reset clears the password', async () => {
      const store = await newStore(engine);
      await enrolled(store, 'ada', 'admin');
      await enrolled(store, 'maya');
      const here = await store.sessions.signIn('maya', PASSWORD);
      assert.ok(here.ok);
      const elsewhere = store.another();
      const there = await elsewhere.signIn('maya', PASSWORD);
      assert.ok(there.ok);
      assert.ok(await elsewhere.resolve(there.token));
      const heard: SessionsEnded[] = [];
      elsewhere.onEnded((e) => heard.push(e));
      assert.equal(await store.accounts.disable(OPERATOR, 'maya'), 2);
      assert.equal(await store.sessions.resolve(here.token), null);
      await elsewhere.sweep();
      assert.deepEqual(
        heard.map((e) => e.reason),
        ['ended elsewhere'],
        'the other server notices at its sweep',
      );
      assert.equal(refusal(await store.sessions.signIn('maya', PASSWORD)).why, 'disabled');
      await assert.rejects(store.accounts.disable(OPERATOR, 'ada'), AccountError, 'the last admin');
      await store.accounts.enable(OPERATOR, 'maya');
      const link = await store.accounts.reset(OPERATOR, 'maya');
      assert.equal(refusal(await store.sessions.signIn('maya', PASSWORD)).why, 'invalid', 'no password after a reset');
      assert.ok((await store.sessions.enrol(link.token, 'a brand new password')).ok);
      await store.accounts.setRole(OPERATOR, 'maya', 'lead');
      assert.deepEqual(
        (await store.accounts.list()).map((a) => [a.name, a.role, a.state]),
        [
          ['ada', 'admin', 'active'],
          ['maya', 'lead', 'active'],
        ],
      );
      await assert.rejects(store.accounts.add(OPERATOR, 'MAYA', 'moderator'), /exists already/);
    });

    test('guesses sent together (on PostgreSQL, to two servers) are checked one at a time and every failure counts', async () => {
      const store = await newStore(engine);
      await enrolled(store, 'maya');
      // On PostgreSQL, two team servers: each its own memory and its own turns; only the database is
      // shared. (A SQLite file has one team server: its turns are the one process's.)
      const servers = engine === 'postgres' ? [store.sessions, store.another()] : [store.sessions];
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => servers[i % servers.length]!.signIn('maya', 'wrong password!', { ip: `192.0.2.${i}` })),
      );
      const why = answers.map((a) => refusal(a).why);
      const invalid = why.filter((w) => w === 'invalid').length;
      // The first guess is checked; the others wait for it and find the name must wait. However
      // the guesses interleave, every one checked is counted: none overwrites another's count.
      assert.equal(Number(await store.value('SELECT failed_logins FROM accounts')), invalid, why.join(', '));
      assert.equal((await store.auditActions()).filter((action) => action === 'sign-in failed').length, invalid);
      assert.equal(invalid, 1, `one checked, the rest waiting: ${why.join(', ')}`);
    });

    test('an enrolment link used on two servers at the same moment is used once', async () => {
      const store = await newStore(engine);
      const link = await store.accounts.add(OPERATOR, 'maya', 'moderator', { now: store.clock.now() });
      const answers = await Promise.all([
        store.sessions.enrol(link.token, 'the first long password'),
        store.another().enrol(link.token, 'the second long password'),
      ]);
      assert.deepEqual(answers.map((a) => a.ok).sort(), [false, true]);
      assert.equal(Number(await store.value('SELECT count(*) FROM sessions')), 1);
      assert.equal((await store.auditActions()).filter((action) => action === 'enrolled').length, 1);
    });
  });
