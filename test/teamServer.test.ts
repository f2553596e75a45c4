// omv serve --team, run as an operator runs it: the desk opens to signed-in accounts only, every
// call is checked against the contract's permissions and made as the account, the receiver takes
// callbacks with their domain's secret only (and from allowed addresses only), TLS and a trusted
// proxy make cookies Secure, settings come from a file with flags over it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROLE_PERMISSIONS, ROLES, PERMISSIONS, type Permission } from '../shared/access.js';
import { CALLS, PLAIN_METHODS, type PlainMethod } from '../shared/api.js';
import { openDatabase } from '../main/store/db.js';
import { listAudit } from '../main/store/audit.js';
import { omv } from './support/cli.js';
import { callbackUrl } from './support/http.js';
import { messagesXml, ABUSE_CONVERSATION_XML } from './support/payloads.js';
import { request, startTeam, teamDatabase, type Signed, type TeamServerProcess } from './support/teamServer.js';
import { tempDir } from './support/tmp.js';

const form = (xml: string) => `xmlData=${encodeURIComponent(xml)}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function deliver(team: TeamServerProcess, url: string, xml: string, localAddress?: string) {
  return request(
    callbackUrl(url, { function: 'sendOfflineMessages', domainID: 'example.com', callID: String(Math.random()) }),
    'POST',
    { headers: FORM, body: form(xml), localAddress },
    team.ca,
  );
}

test('the team desk opens to signed-in accounts only, and every call is made as the account', async () => {
  const team = await startTeam(await teamDatabase({ anna: 'lead' }));
  const home = await request(`${team.base}/`, 'GET');
  assert.equal(home.status, 303);
  assert.equal(home.headers.location, '/login');
  assert.equal((await team.call(null, 'rooms')).status, 401, 'no session, no API');

  const anna = await team.signIn('anna');
  const page = await request(`${team.base}/`, 'GET', { headers: { cookie: anna.cookie } });
  assert.equal(page.status, 200);
  assert.match(page.body, new RegExp(`<meta name="omv-csrf" content="${anna.csrf}"`), 'the page carries its session’s token');

  const created = await team.call(anna, 'createTag', { name: 'fraud', colour: '#aa3300' });
  assert.equal(created.status, 200, created.body);
  const session = JSON.parse((await team.call(anna, 'session')).body) as { value: { moderator: string; role: string; team: boolean } };
  assert.deepEqual([session.value.moderator, session.value.role, session.value.team], ['anna', 'lead', true]);
  // The desk's own name setting is a one-machine thing.
  assert.equal(JSON.parse((await team.call(anna, 'setModerator', { name: 'x' })).body).ok, false);

  assert.equal(
    (await team.call(anna, 'createTag', { name: 'x1', colour: '#000000' }, { 'x-omv-csrf': 'wrong' })).status,
    403,
    'a wrong token',
  );
  assert.equal((await team.call(anna, 'rooms', {}, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status, 403);

  const db = openDatabase(team.dbPath, { readOnly: true });
  const tagged = listAudit(db).filter((row) => row.action === 'tag created');
  db.close();
  assert.deepEqual(
    tagged.map((row) => [row.moderator, row.details['tag']]),
    [['anna', 'fraud']],
    'recorded as the account, once',
  );
});

test('callbacks need their domain’s secret; a port of their own and an address allow-list keep everyone else out', async () => {
  const team = await startTeam(await teamDatabase({ anna: 'admin' }), {
    args: ['--callback-listen', '127.0.0.1:0', '--callback-allow', '127.0.0.2'],
  });
  const xml = messagesXml({ lobby: [{ ts: 1_700_000_000_000, user: 'u', content: 'hello' }] });
  const bare = new URL(team.callbackUrl);
  bare.pathname = '/callback';
  assert.equal((await deliver(team, bare.toString(), xml, '127.0.0.2')).status, 403, 'no secret');
  const wrong = new URL(team.callbackUrl);
  wrong.pathname = '/callback/guess';
  assert.equal((await deliver(team, wrong.toString(), xml, '127.0.0.2')).status, 403, 'a wrong secret');
  const refused = await deliver(team, team.callbackUrl, xml, '127.0.0.1');
  assert.equal(refused.status, 403, 'an address not on the allow-list');
  assert.match(refused.body, /not among the addresses callbacks are taken from/);
  const stored = await deliver(team, team.callbackUrl, xml, '127.0.0.2');
  assert.equal(stored.status, 200, stored.body);
  assert.match(stored.body, /^stored as delivery 1/);
  // The desk's listener takes no callbacks at all.
  const onDesk = new URL(team.callbackUrl);
  onDesk.port = new URL(team.base).port;
  assert.equal((await deliver(team, onDesk.toString(), xml, '127.0.0.2')).status, 404);
  const db = openDatabase(team.dbPath, { readOnly: true });
  assert.equal(db.prepare('SELECT count(*) FROM deliveries').pluck().get(), 1, 'only the one with the secret, from the allowed address');
  db.close();
});

test('off loopback the desk needs TLS; with it, and behind a trusted proxy, session cookies are Secure', async () => {
  const dbPath = await teamDatabase({ anna: 'moderator' });
  const clear = await omv(['serve', '--team', '--db', dbPath, '--listen', '0.0.0.0:0', '--callback-secret', 's']);
  assert.equal(clear.code, 2);
  assert.match(clear.stderr, /refusing to take passwords in clear text on 0\.0\.0\.0/);

  const tls = await startTeam(dbPath, { tls: true });
  assert.match(tls.base, /^https:/);
  const signed = await tls.signIn('anna');
  assert.ok(signed.session);
  const page = await request(`${tls.base}/login`, 'GET', {}, tls.ca);
  assert.match([...page.cookies.values()].join('\n'), /; Secure/);

  const proxied = await startTeam(dbPath, { args: ['--trusted-proxy', '127.0.0.1'] });
  const viaProxy = await request(`${proxied.base}/login`, 'GET', {
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
  });
  assert.match([...viaProxy.cookies.values()].join('\n'), /; Secure/, 'the proxy terminates TLS');
  const plain = await startTeam(dbPath);
  const notProxied = await request(`${plain.base}/login`, 'GET', { headers: { 'x-forwarded-proto': 'https' } });
  assert.doesNotMatch([...notProxied.cookies.values()].join('\n'), /; Secure/, 'no proxy is trusted: the header is nobody’s word');
});

test('settings come from omv.toml (or JSON), flags win, and a key omv does not know is named', async () => {
  const dbPath = await teamDatabase({ anna: 'admin' });
  const dir = tempDir();
  const toml = join(dir, 'omv.toml');
  writeFileSync(
    toml,
    `# the team's server\ndb = "${dbPath}"\nlisten = "127.0.0.1:0"\ncallback-secret = ["example.com=from-the-file"]\nquiet = true\n`,
  );
  const fromFile = await startTeam(dbPath, { args: ['--config', toml], secret: 'from-the-flag' });
  assert.match(
    fromFile.serve.output(),
    /receiving callbacks at \S+\/callback\/from-the-flag/,
    'the flag’s secret replaced the file’s list',
  );
  const json = join(dir, 'omv.json');
  writeFileSync(json, JSON.stringify({ db: dbPath, lisen: '127.0.0.1:0' }));
  const typo = await omv(['serve', '--team', '--config', json, '--callback-secret', 's']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /no setting "lisen"/);
});

/** The calls a role lacks the permission for, each with its permission. */
function refusedTo(role: (typeof ROLES)[number]): Array<[PlainMethod, Permission]> {
  return PLAIN_METHODS.filter((m) => !ROLE_PERMISSIONS[role].includes(CALLS[m].permission)).map((m) => [m, CALLS[m].permission]);
}

/** What a refused request must not have changed: the trail (every write appends to it) and what moderators add. */
function fingerprint(dbPath: string): string {
  const db = openDatabase(dbPath, { readOnly: true });
  const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
  const value = JSON.stringify([
    db.prepare('SELECT rows, hash FROM audit_head').get(),
    ...['tags', 'tag_links', 'notes', 'watch_terms', 'saved_searches', 'room_reviews', 'entries', 'deliveries'].map(count),
    db.prepare('SELECT group_concat(status) FROM abuse_reports').pluck().get(),
  ]);
  db.close();
  return value;
}

test('security, from the contract: every call × no session, an expired one, a disabled account, a foreign page, no CSRF token, a role without the permission → 401/403, nothing changed', async () => {
  const dbPath = await teamDatabase({ anna: 'admin', mo: 'moderator', dora: 'moderator', eve: 'moderator' });
  const team = await startTeam(dbPath);
  const reportFile = join(tempDir(), 'report.xml');
  writeFileSync(reportFile, ABUSE_CONVERSATION_XML, 'latin1');
  assert.equal((await omv(['import', '--db', dbPath, '--domain', 'example.com', reportFile])).code, 0);
  const anna = await team.signIn('anna');
  const mo = await team.signIn('mo');
  const expired = await team.signIn('eve');
  const disabled = await team.signIn('dora');
  // Eve's session was last used 13 hours ago (past the absolute timeout); Dora's account is disabled.
  const db = openDatabase(dbPath);
  db.prepare(
    'UPDATE sessions SET created_at = created_at - 13 * 3600000, last_seen_at = last_seen_at - 13 * 3600000 WHERE account_id = (SELECT id FROM accounts WHERE name = ?)',
  ).run('eve');
  db.close();
  assert.equal((await omv(['users', '--db', dbPath, 'disable', 'dora'])).code, 0);
  // The server hears of it within its watch (a second).
  for (let tries = 0; tries < 50 && (await team.call(disabled, 'rooms')).status !== 401; tries++)
    await new Promise((r) => setTimeout(r, 100));

  const before = fingerprint(dbPath);
  const bad: Array<[string, Signed | null, Record<string, string>, number[]]> = [
    ['no session', null, {}, [401]],
    ['an expired session', expired, {}, [401]],
    ['a disabled account', disabled, {}, [401]],
    ['a foreign page', anna, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, [403]],
    ['no CSRF token', anna, { 'x-omv-csrf': '' }, [403]],
  ];
  for (const method of PLAIN_METHODS) {
    for (const [what, who, headers, expected] of bad) {
      const answer = await team.call(who, method, {}, headers);
      assert.ok(expected.includes(answer.status), `${method} with ${what}: ${answer.status} ${answer.body}`);
    }
  }
  for (const [method, permission] of refusedTo('moderator')) {
    const answer = await team.call(mo, method, {});
    assert.equal(answer.status, 403, `${method} as a moderator (needs ${permission}): ${answer.body}`);
  }
  // The calls that carry files, the same way.
  const upload = await request(`${team.base}/api/import?name=x.xml`, 'POST', {
    headers: { 'content-type': 'application/octet-stream', cookie: mo.cookie, 'x-omv-csrf': mo.csrf, origin: new URL(team.base).origin },
    body: messagesXml({ lobby: [{ ts: 1, user: 'u', content: 'x' }] }),
  });
  assert.equal(upload.status, 403, 'a moderator may not import');
  const download = await request(`${team.base}/api/export.csv?filter=%7B%7D`, 'GET', { headers: { cookie: mo.cookie } });
  assert.equal(download.status, 403, 'a moderator may not export');
  assert.equal((await request(`${team.base}/api/export.csv?filter=%7B%7D`, 'GET')).status, 401);
  assert.equal(fingerprint(dbPath), before, 'no refused request changed anything');

  // And the permitted ones do go through: the same calls as an admin.
  assert.equal(JSON.parse((await team.call(anna, 'reportCounts')).body).ok, true);
  assert.equal((await request(`${team.base}/api/export.csv?filter=%7B%7D`, 'GET', { headers: { cookie: anna.cookie } })).status, 200);
});

test('every cell of the roles table: each role may do what its permissions say, and nothing else', async () => {
  const team = await startTeam(await teamDatabase({ mo: 'moderator', lee: 'lead', ada: 'admin' }));
  const who = { moderator: await team.signIn('mo'), lead: await team.signIn('lee'), admin: await team.signIn('ada') };
  // One call for each permission, harmless to make (a read, or a write that fails on its arguments after the check).
  const probe: Record<Permission, [PlainMethod, object]> = {
    read: ['rooms', {}],
    annotate: ['addNote', { target: 'entry', targetId: 999_999, text: 'x' }],
    decide: ['setReportStatus', { id: 999_999, status: 'in review' }],
    assign: ['setTagHold', { name: 'no-such-tag', hold: true }],
    export: ['exportCsv' as PlainMethod, {}],
    import: ['retryQuarantined', { id: 999_999 }],
    watchlist: ['removeWatchTerm', { id: 999_999 }],
    purge: ['purge', { before: 0, dryRun: true }],
    manageUsers: ['setModerator', { name: 'x' }],
  };
  for (const role of ROLES) {
    for (const permission of PERMISSIONS) {
      const [method, args] = probe[permission];
      const allowed = ROLE_PERMISSIONS[role].includes(permission);
      if (method === ('exportCsv' as PlainMethod)) {
        const answer = await request(`${team.base}/api/export.csv?filter=%7B%7D`, 'GET', { headers: { cookie: who[role].cookie } });
        assert.equal(answer.status, allowed ? 200 : 403, `${role} × ${permission}`);
        continue;
      }
      const answer = await team.call(who[role], method, args);
      assert.equal(answer.status === 403, !allowed, `${role} × ${permission} (${method}): ${answer.status} ${answer.body}`);
    }
  }
});
