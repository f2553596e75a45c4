// A team server's accounts (main/team/accounts.ts, omv users): added with a one-time enrolment
// link, disabled (its sessions end at once), enabled, reset, given another role; every change in
// the audit trail under the name of who made it, the chain intact. Real SQLite files, real scrypt,
// the built CLI.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Actor } from '../shared/access.js';
import { ForbiddenError } from '../main/api/service.js';
import { listAudit } from '../main/store/audit.js';
import { openDatabase } from '../main/store/db.js';
import {
  AccountError,
  addAccount,
  disableAccount,
  enableAccount,
  ENROLMENT_LINK_MS,
  listAccounts,
  resetAccount,
  setAccountRole,
} from '../main/team/accounts.js';
import type { SessionsEnded } from '../main/team/sessionEnds.js';
import { Sessions } from '../main/team/sessions.js';
import { enrolled, OPERATOR, PASSWORD, teamStore } from './support/accounts.js';
import { omv } from './support/cli.js';

const OTHER_PASSWORD = 'a different passphrase';

test('an enrolment link sets the password once, and signs its holder in', async () => {
  const store = teamStore();
  const link = addAccount(store.db, OPERATOR, 'maya', 'moderator', { now: store.clock.now() });
  assert.equal(link.path, `/enrol?token=${link.token}`);
  assert.deepEqual(await store.sessions.enrolment(link.token), { account: 'maya', expiresAt: store.clock.now() + ENROLMENT_LINK_MS });
  assert.deepEqual(
    listAccounts(store.db).map((a) => a.state),
    ['awaiting enrolment'],
  );
  assert.equal((await store.sessions.signIn('maya', PASSWORD)).ok, false, 'no password before enrolment');
  const first = await store.sessions.enrol(link.token, PASSWORD, { ip: '192.0.2.1' });
  assert.ok(first.ok);
  assert.equal((await store.sessions.resolve(first.token))?.actor.name, 'maya', 'signed in');
  const second = await store.sessions.enrol(link.token, OTHER_PASSWORD);
  assert.deepEqual([second.ok, second.ok || second.why], [false, 'link'], 'the link is used up');
  assert.equal(await store.sessions.enrolment(link.token), null);
  assert.ok((await store.sessions.signIn('maya', PASSWORD)).ok, 'the first password stands');
  assert.equal((await store.sessions.signIn('maya', OTHER_PASSWORD, { ip: '192.0.2.9' })).ok, false);
  assert.deepEqual(
    listAccounts(store.db).map((a) => a.state),
    ['active'],
  );
});

test('an enrolment link stops working after 72 hours, and when a newer one is made', async () => {
  const store = teamStore();
  const link = addAccount(store.db, OPERATOR, 'maya', 'moderator', { now: store.clock.now() });
  store.clock.advance(ENROLMENT_LINK_MS - 1);
  assert.ok(await store.sessions.enrolment(link.token), 'still valid a moment before');
  store.clock.advance(1);
  assert.equal(await store.sessions.enrolment(link.token), null);
  const late = await store.sessions.enrol(link.token, PASSWORD);
  assert.equal(late.ok, false);
  // A reset makes a new link; the old one (had it not expired) would not work either.
  const first = resetAccount(store.db, OPERATOR, 'maya', { now: store.clock.now() });
  const second = resetAccount(store.db, OPERATOR, 'maya', { now: store.clock.now() });
  assert.equal(await store.sessions.enrolment(first.token), null, 'superseded by the second');
  assert.equal((await store.sessions.enrol(first.token, PASSWORD)).ok, false);
  assert.ok((await store.sessions.enrol(second.token, PASSWORD)).ok);
});

test('an enrolment link refuses a password under 12 characters, and stays usable', async () => {
  const store = teamStore();
  const link = addAccount(store.db, OPERATOR, 'maya', 'moderator');
  const short = await store.sessions.enrol(link.token, 'short pass');
  assert.deepEqual(short, { ok: false, why: 'password', message: 'A password is at least 12 characters.' });
  assert.ok((await store.sessions.enrol(link.token, PASSWORD)).ok);
});

test('names are unique whatever their letter case, and short words without spaces or controls', () => {
  const store = teamStore();
  addAccount(store.db, OPERATOR, 'maya', 'moderator');
  assert.throws(() => addAccount(store.db, OPERATOR, 'MAYA', 'lead'), /an account named "maya" exists already/);
  for (const bad of ['', 'two words', 'tab\there', '\u202eevil', '-dash', 'x'.repeat(65)])
    assert.throws(() => addAccount(store.db, OPERATOR, bad, 'lead'), AccountError, JSON.stringify(bad));
  assert.deepEqual(
    listAccounts(store.db).map((a) => a.name),
    ['maya'],
  );
});

test('disabling an account ends its sessions at once, tells the server, and refuses its sign-ins', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  await enrolled(store, 'ravi');
  const a = await store.sessions.signIn('maya', PASSWORD);
  const b = await store.sessions.signIn('maya', PASSWORD);
  const other = await store.sessions.signIn('ravi', PASSWORD);
  assert.ok(a.ok && b.ok && other.ok);
  const ended: SessionsEnded[] = [];
  store.sessions.onEnded((event) => ended.push(event));
  assert.equal(disableAccount(store.db, OPERATOR, 'maya'), 2);
  assert.equal(await store.sessions.resolve(a.token), null);
  assert.equal(await store.sessions.resolve(b.token), null);
  assert.ok(await store.sessions.resolve(other.token), "another account's session goes on");
  assert.deepEqual(
    ended.map((e) => [[...e.sessionIds].sort(), e.reason]),
    [[[a.sessionId, b.sessionId].sort(), 'disabled']],
  );
  const refused = await store.sessions.signIn('maya', PASSWORD);
  assert.deepEqual(refused, { ok: false, why: 'disabled', message: 'This account is disabled: ask an admin.' });
  enableAccount(store.db, OPERATOR, 'maya');
  assert.ok((await store.sessions.signIn('maya', PASSWORD)).ok, 'enabled again, with its password');
});

test('a session of an account disabled by another process (omv users disable) ends, and sweep tells the server', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const signedIn = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(signedIn.ok);
  assert.ok(await store.sessions.resolve(signedIn.token));
  const ended: SessionsEnded[] = [];
  store.sessions.onEnded((event) => ended.push(event));
  const cli = await omv(['users', '--db', store.path, 'disable', 'maya']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.stdout, 'disabled maya; 1 session ended\n');
  assert.equal(ended.length, 0, 'another process: nothing heard yet');
  await store.sessions.sweep();
  assert.deepEqual(
    ended.map((e) => [e.sessionIds, e.reason]),
    [[[signedIn.sessionId], 'ended elsewhere']],
  );
  assert.equal(await store.sessions.resolve(signedIn.token), null);
  await store.sessions.sweep();
  assert.equal(ended.length, 1, 'said once');
});

test('resolve refuses a session whose account was disabled behind its back', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const signedIn = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(signedIn.ok);
  // As a database edited by hand, or an older omv, would leave it: disabled, the session still there.
  store.db.prepare("UPDATE accounts SET disabled_at = 1 WHERE name = 'maya'").run();
  assert.equal(await store.sessions.resolve(signedIn.token), null);
});

test('a reset clears the password, ends the sessions and makes a new enrolment link', async () => {
  const store = teamStore();
  await enrolled(store, 'maya');
  const signedIn = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(signedIn.ok);
  const link = resetAccount(store.db, OPERATOR, 'maya');
  assert.equal(await store.sessions.resolve(signedIn.token), null, 'session ended');
  assert.equal((await store.sessions.signIn('maya', PASSWORD)).ok, false, 'old password gone');
  assert.deepEqual(
    listAccounts(store.db).map((a) => a.state),
    ['awaiting enrolment'],
  );
  assert.ok((await store.sessions.enrol(link.token, OTHER_PASSWORD)).ok);
  assert.ok((await store.sessions.signIn('maya', OTHER_PASSWORD)).ok);
});

test('a role change holds from the next request of a session already open', async () => {
  const store = teamStore();
  await enrolled(store, 'maya', 'moderator');
  const signedIn = await store.sessions.signIn('maya', PASSWORD);
  assert.ok(signedIn.ok);
  setAccountRole(store.db, OPERATOR, 'maya', 'lead');
  assert.equal((await store.sessions.resolve(signedIn.token))?.actor.role, 'lead');
});

test('the last admin who can sign in cannot be disabled or made something else', async () => {
  const store = teamStore();
  addAccount(store.db, OPERATOR, 'root', 'admin');
  assert.throws(() => disableAccount(store.db, OPERATOR, 'root'), /root is the last admin/);
  assert.throws(() => setAccountRole(store.db, OPERATOR, 'root', 'lead'), /root is the last admin/);
  addAccount(store.db, OPERATOR, 'deputy', 'admin');
  assert.equal(disableAccount(store.db, OPERATOR, 'root'), 0);
  assert.throws(() => setAccountRole(store.db, OPERATOR, 'deputy', 'moderator'), /deputy is the last admin/);
});

test('only an actor who may manage users changes accounts', () => {
  const store = teamStore();
  addAccount(store.db, OPERATOR, 'maya', 'moderator');
  const lead: Actor = { name: 'lena', role: 'lead', via: 'account', accountId: 9 };
  assert.throws(() => addAccount(store.db, lead, 'zoe', 'admin'), ForbiddenError);
  assert.throws(() => disableAccount(store.db, lead, 'maya'), ForbiddenError);
  assert.throws(() => enableAccount(store.db, lead, 'maya'), ForbiddenError);
  assert.throws(() => resetAccount(store.db, lead, 'maya'), ForbiddenError);
  assert.throws(() => setAccountRole(store.db, lead, 'maya', 'admin'), ForbiddenError);
  assert.deepEqual(
    listAccounts(store.db).map((a) => [a.name, a.role, a.state]),
    [['maya', 'moderator', 'awaiting enrolment']],
  );
});

test('omv users: add prints the enrolment link, list shows each account, disable, enable, reset and role change them', async () => {
  const { path, db } = teamStore();
  db.close();
  const env = { OMV_TEAM_URL: '' };
  const added = await omv(['users', '--db', path, 'add', 'maya', '--role', 'moderator', '--url', 'https://omv.example.org/'], { env });
  assert.equal(added.code, 0, added.stderr);
  const [sayWhat, link] = added.stdout.trimEnd().split('\n');
  assert.match(sayWhat!, /^added maya \(moderator\); this link sets the password, once, until \d{4}-\d\d-\d\dT/);
  assert.match(link!, /^https:\/\/omv\.example\.org\/enrol\?token=[A-Za-z0-9_-]{43}$/);

  const fromEnv = await omv(['users', '--db', path, 'add', 'ravi', '--role', 'lead'], {
    env: { OMV_TEAM_URL: 'https://team.example/omv' },
  });
  assert.match(fromEnv.stdout.split('\n')[1]!, /^https:\/\/team\.example\/omv\/enrol\?token=/);
  const bare = await omv(['users', '--db', path, 'add', 'zoe', '--role', 'admin'], { env });
  assert.match(bare.stdout.split('\n')[1]!, /^\/enrol\?token=[A-Za-z0-9_-]{43}$/, 'no address known: the path');
  assert.match(bare.stderr, /put the team server's address before that path/);

  // The link works on the server: the same file, as the server opens it.
  const server = openDatabase(path);
  const sessions = new Sessions(server);
  const token = new URL(link!).searchParams.get('token')!;
  assert.ok((await sessions.enrol(token, PASSWORD)).ok);

  const listed = await omv(['users', '--db', path, 'list']);
  const lines = listed.stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.split('\t'));
  assert.deepEqual(
    lines.map(([name, role, state]) => [name, role, state]),
    [
      ['maya', 'moderator', 'active'],
      ['ravi', 'lead', 'awaiting enrolment'],
      ['zoe', 'admin', 'awaiting enrolment'],
    ],
  );
  assert.match(lines[0]![3]!, /^\d{4}-\d\d-\d\dT.*Z$/, 'last sign-in');
  assert.equal(lines[1]![3], '-');

  assert.deepEqual((await omv(['users', '--db', path, 'role', 'maya', 'lead'])).stdout, 'maya is now lead\n');
  assert.equal((await omv(['users', '--db', path, 'disable', 'maya'])).code, 0);
  assert.equal((await sessions.signIn('maya', PASSWORD)).ok, false);
  assert.equal((await omv(['users', '--db', path, 'enable', 'maya'])).code, 0);
  assert.ok((await sessions.signIn('maya', PASSWORD)).ok);
  const reset = await omv(['users', '--db', path, 'reset', 'maya'], { env });
  assert.match(reset.stdout, /^reset maya: password cleared, sessions ended; this link sets the password, once, until .*\n\/enrol\?token=/);
  assert.equal((await sessions.signIn('maya', PASSWORD, { ip: '192.0.2.77' })).ok, false);
  const missing = await omv(['users', '--db', path, 'disable', 'nobody']);
  assert.deepEqual([missing.code, missing.stderr.includes('no account named "nobody"')], [1, true]);
  sessions.close();
  server.close();
});

test('omv users: a mistake in the command line exits 2 with the usage', async () => {
  const { path, db } = teamStore();
  db.close();
  for (const args of [
    ['add', 'maya'],
    ['add', 'maya', '--role', 'owner'],
    ['add', 'two words', '--role', 'lead'],
    ['add', 'maya', '--role', 'lead', '--url', 'ftp://x'],
    ['add'],
    ['role', 'maya'],
    ['role', 'maya', 'boss'],
    ['disable'],
    ['list', 'extra'],
    ['frob'],
    [],
    ['enable', 'maya', '--role', 'lead'],
  ]) {
    const result = await omv(['users', '--db', path, ...args]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /usage: omv users/);
  }
  assert.equal((await omv(['users', '--db', path, 'list'])).stdout, '', 'nothing was added');
});

test('every account change and sign-in is in the audit trail under who made it, and the chain verifies', async () => {
  const store = teamStore();
  const cli = (args: string[]) => omv(['users', '--db', store.path, '--as', 'op-olga', ...args], { env: { OMV_TEAM_URL: '' } });
  const added = await cli(['add', 'maya', '--role', 'moderator']);
  const token = /token=(\S+)/.exec(added.stdout)![1]!;
  assert.ok((await store.sessions.enrol(token, PASSWORD, { ip: '192.0.2.5', userAgent: 'Firefox' })).ok);
  assert.equal((await store.sessions.signIn('maya', 'wrong password!', { ip: '192.0.2.5' })).ok, false);
  store.clock.advance(1000);
  const signedIn = await store.sessions.signIn('maya', PASSWORD, { ip: '192.0.2.5' });
  assert.ok(signedIn.ok);
  await store.sessions.signOut(signedIn.token);
  await cli(['role', 'maya', 'lead']);
  await cli(['disable', 'maya']);
  await cli(['enable', 'maya']);
  await cli(['reset', 'maya']);
  const rows = listAudit(store.db).map((row) => [row.moderator, row.action, row.details['account'] ?? row.details['ip']]);
  assert.deepEqual(rows, [
    ['op-olga', 'account added', 'maya'],
    ['maya', 'enrolled', '192.0.2.5'],
    ['maya', 'signed in', '192.0.2.5'],
    ['maya', 'sign-in failed', '192.0.2.5'],
    ['maya', 'signed in', '192.0.2.5'],
    ['maya', 'signed out', undefined],
    ['op-olga', 'role changed', 'maya'],
    ['op-olga', 'account disabled', 'maya'],
    ['op-olga', 'account enabled', 'maya'],
    ['op-olga', 'account reset', 'maya'],
  ]);
  const verified = await omv(['audit', '--db', store.path, 'verify']);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  assert.match(verified.stdout, /audit chain intact: 10 rows/);
});

test("README's table of roles is ROLE_PERMISSIONS, cell for cell", () => {
  const readme = readFileSync('README.md', 'utf8');
  const header = `| permission | allows | ${ROLES.join(' | ')} |`;
  const start = readme.indexOf(header);
  assert.ok(start >= 0, `README has the table: ${header}`);
  const rows = readme
    .slice(start)
    .split('\n')
    .slice(2)
    .filter((line, i, lines) => line.startsWith('|') && lines.slice(0, i).every((l) => l.startsWith('|')))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  assert.deepEqual(
    rows.map((cells) => cells[0]),
    PERMISSIONS.map((permission) => `\`${permission}\``),
    'a row per permission, in order',
  );
  for (const cells of rows) {
    const permission = cells[0]!.slice(1, -1);
    ROLES.forEach((role, i) =>
      assert.equal(cells[2 + i] === '✓', (ROLE_PERMISSIONS[role] as readonly string[]).includes(permission), `${role} × ${permission}`),
    );
  }
});
