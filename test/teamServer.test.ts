// omv serve --team, run as an operator runs it: the desk opens to signed-in accounts only, every
// call is checked against the contract's permissions and made as the account, the receiver takes
// callbacks with their domain's secret only (and from allowed addresses only), TLS and a trusted
// proxy make cookies Secure, settings come from a file with flags over it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROLE_PERMISSIONS, ROLES, PERMISSIONS, type Permission } from '../shared/access.js';
import { CALLS, PLAIN_METHODS, type PlainMethod } from '../shared/api.js';
import { omv } from './support/cli.js';
import { DESK_ENGINES } from './support/desk.js';
import { callbackUrl } from './support/http.js';
import { messagesXml, ABUSE_CONVERSATION_XML } from './support/payloads.js';
import { query } from './support/postgres.js';
import { request, startTeam, teamDatabase, type Signed, type TeamServerProcess, type TeamStore } from './support/teamServer.js';
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

/** The calls a role lacks the permission for, each with its permission. */
function refusedTo(role: (typeof ROLES)[number]): Array<[PlainMethod, Permission]> {
  return PLAIN_METHODS.filter((m) => !ROLE_PERMISSIONS[role].includes(CALLS[m].permission)).map((m) => [m, CALLS[m].permission]);
}

/** What a refused request must not have changed: the trail (every write appends to it) and what moderators add. */
async function fingerprint(store: TeamStore): Promise<string> {
  const tables = ['tags', 'tag_links', 'notes', 'watch_terms', 'saved_searches', 'room_reviews', 'entries', 'deliveries'];
  const statuses = store.engine === 'postgres' ? "string_agg(status, ',' ORDER BY id)" : 'group_concat(status)';
  return JSON.stringify([
    await store.rows('SELECT rows, hash FROM audit_head'),
    ...(await Promise.all(tables.map((table) => count(store, table)))),
    await store.rows(`SELECT ${statuses} AS statuses FROM abuse_reports`),
  ]);
}

/** A download of the CSV as `who`: its status. */
async function exportStatus(team: TeamServerProcess, who: Signed): Promise<number> {
  return (await request(`${team.base}/api/export.csv?filter=%7B%7D`, 'GET', { headers: { cookie: who.cookie } })).status;
}

/** Rows in a table of the store. */
async function count(store: TeamStore, table: string): Promise<number> {
  return Number((await store.rows<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
}

// Every test on both engines: a team server over a SQLite file, and over a PostgreSQL database.
for (const { engine, skip } of DESK_ENGINES)
  describe(`the team server${engine === 'postgres' ? ' on PostgreSQL' : ''}`, { skip }, () => {
    const onPostgres = engine === 'postgres';
    const accounts = (roles: Parameters<typeof teamDatabase>[0]) => teamDatabase(roles, { engine });

    test(`the team desk opens to signed-in accounts only, and every call is made as the account`, async () => {
      const team = await startTeam(await accounts({ anna: 'lead' }));
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

      const trail = await team.store.audit();
      assert.deepEqual(
        trail.filter((row) => row.action === 'signed in').map((row) => row.moderator),
        ['anna', 'anna'],
        'her enrolment’s sign-in, and this one: as the account',
      );
      assert.equal((JSON.parse(created.body) as { ok: boolean }).ok, true, created.body);
      assert.deepEqual(
        trail.filter((row) => row.action === 'tag created').map((row) => [row.moderator, row.details['tag']]),
        [['anna', 'fraud']],
        'recorded as the account, once',
      );
    });

    test(`callbacks need their domain’s secret; a port of their own and an address allow-list keep everyone else out`, async () => {
      const team = await startTeam(await accounts({ anna: 'admin' }), {
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
      assert.equal(await count(team.store, 'deliveries'), 1, 'only the one with the secret, from the allowed address');
    });

    test(`the desk's start line says how to make the first account in this store, and only while there is none`, async () => {
      const store = await accounts({});
      const empty = await startTeam(store);
      const said = /\(sign in; omv users add NAME (--role admin .*) makes the first account\)/.exec(empty.serve.output());
      assert.ok(said, empty.serve.output());
      // Run as printed (these stores' paths and URLs are plain words, with no password to mask).
      const made = await omv(['users', 'add', 'root', ...said[1]!.split(' ')]);
      assert.equal(made.code, 0, made.stderr);
      const again = await startTeam(store);
      assert.match(again.serve.output(), /team desk at \S+ \(sign in\)\n/);
    });

    if (onPostgres)
      test(`a call while the database cannot be reached is answered as any failed call is (JSON, its cause logged), not the server's plain 500`, async () => {
        const store = await accounts({ anna: 'moderator' });
        const team = await startTeam(store);
        const anna = await team.signIn('anna');
        assert.equal((await team.call(anna, 'rooms', {})).status, 200);
        // The team's database refuses connections, and the server's sessions there are ended.
        const name = new URL(store.url!).pathname.slice(1);
        const admin = new URL(store.url!);
        admin.pathname = '/postgres';
        await query(admin.toString(), `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await query(admin.toString(), 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
        const away = await team.call(anna, 'rooms', {});
        assert.equal(away.status, 500, away.body);
        assert.match(away.headers['content-type'] ?? '', /^application\/json/);
        assert.match(JSON.parse(away.body).error, /^omv could not do that \(logged as #[0-9a-f]{8}\)$/);
        await query(admin.toString(), `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      });

    test(`off loopback the desk needs TLS; with it, and behind a trusted proxy, session cookies are Secure`, async () => {
      const store = await accounts({ anna: 'moderator' });
      const clear = await omv(['serve', '--team', ...store.storeArgs, '--listen', '0.0.0.0:0', '--callback-secret', 's']);
      assert.equal(clear.code, 2);
      assert.match(clear.stderr, /refusing to take passwords in clear text on 0\.0\.0\.0/);

      const tls = await startTeam(store, { tls: true });
      assert.match(tls.base, /^https:/);
      const signed = await tls.signIn('anna');
      assert.ok(signed.session);
      const page = await request(`${tls.base}/login`, 'GET', {}, tls.ca);
      assert.match([...page.cookies.values()].join('\n'), /; Secure/);

      const proxied = await startTeam(store, { args: ['--trusted-proxy', '127.0.0.1'] });
      const viaProxy = await request(`${proxied.base}/login`, 'GET', {
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
      });
      assert.match([...viaProxy.cookies.values()].join('\n'), /; Secure/, 'the proxy terminates TLS');
      const plain = await startTeam(store);
      const notProxied = await request(`${plain.base}/login`, 'GET', { headers: { 'x-forwarded-proto': 'https' } });
      assert.doesNotMatch([...notProxied.cookies.values()].join('\n'), /; Secure/, 'no proxy is trusted: the header is nobody’s word');
    });

    test(`settings come from omv.toml (or JSON), flags win, and a key omv does not know is named`, async () => {
      const store = await accounts({ anna: 'admin' });
      const dir = tempDir();
      // The store as the file names it: db = "FILE", or store = "postgres://…".
      const where = onPostgres ? `store = "${store.url}"` : `db = "${store.dbPath}"`;
      const toml = join(dir, 'omv.toml');
      writeFileSync(
        toml,
        `# the team's server\n${where}\nlisten = "127.0.0.1:0"\ncallback-secret = ["example.com=from-the-file"]\nquiet = true\n`,
      );
      const fromFile = await startTeam(store, { args: ['--config', toml], secret: 'from-the-flag' });
      assert.match(
        fromFile.serve.output(),
        /receiving callbacks at \S+\/callback\/from-the-flag/,
        'the flag’s secret replaced the file’s list',
      );
      const json = join(dir, 'omv.json');
      writeFileSync(json, JSON.stringify({ ...(onPostgres ? { store: store.url } : { db: store.dbPath }), lisen: '127.0.0.1:0' }));
      const typo = await omv(['serve', '--team', '--config', json, '--callback-secret', 's']);
      assert.equal(typo.code, 2);
      assert.match(typo.stderr, /no setting "lisen"/);
    });

    test(`security, from the contract: every call × no session, an expired one, a disabled account, a foreign page, no CSRF token, a role without the permission → 401/403, nothing changed`, async () => {
      const store = await accounts({ anna: 'admin', mo: 'moderator', dora: 'moderator', eve: 'moderator' });
      const team = await startTeam(store);
      const reportFile = join(tempDir(), 'report.xml');
      writeFileSync(reportFile, ABUSE_CONVERSATION_XML, 'latin1');
      assert.equal((await omv(['import', ...store.storeArgs, '--domain', 'example.com', reportFile])).code, 0);
      const anna = await team.signIn('anna');
      const mo = await team.signIn('mo');
      const expired = await team.signIn('eve');
      const disabled = await team.signIn('dora');
      // Eve's session was last used 13 hours ago (past the absolute timeout); Dora's account is disabled.
      await store.rows(
        'UPDATE sessions SET created_at = created_at - 13 * 3600000, last_seen_at = last_seen_at - 13 * 3600000 WHERE account_id = (SELECT id FROM accounts WHERE name = ?)',
        ['eve'],
      );
      assert.equal((await omv(['users', ...store.storeArgs, 'disable', 'dora'])).code, 0);
      // The server hears of it within its watch (a second).
      for (let tries = 0; tries < 50 && (await team.call(disabled, 'rooms')).status !== 401; tries++)
        await new Promise((r) => setTimeout(r, 100));

      const before = await fingerprint(store);
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
        headers: {
          'content-type': 'application/octet-stream',
          cookie: mo.cookie,
          'x-omv-csrf': mo.csrf,
          origin: new URL(team.base).origin,
        },
        body: messagesXml({ lobby: [{ ts: 1, user: 'u', content: 'x' }] }),
      });
      assert.equal(upload.status, 403, 'a moderator may not import');
      const download = await request(`${team.base}/api/export.csv?filter=%7B%7D`, 'GET', { headers: { cookie: mo.cookie } });
      assert.equal(download.status, 403, 'a moderator may not export');
      assert.equal((await request(`${team.base}/api/export.csv?filter=%7B%7D`, 'GET')).status, 401);
      assert.equal(await fingerprint(store), before, 'no refused request changed anything');

      // And the permitted ones do go through: the same calls as an admin.
      assert.equal(JSON.parse((await team.call(anna, 'reportCounts')).body).ok, true);
      assert.equal(await exportStatus(team, anna), 200);
    });

    test(`every cell of the roles table: each role may do what its permissions say, and nothing else`, async () => {
      const team = await startTeam(await accounts({ mo: 'moderator', lee: 'lead', ada: 'admin' }));
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
            assert.equal(await exportStatus(team, who[role]), allowed ? 200 : 403, `${role} × ${permission}`);
            continue;
          }
          const answer = await team.call(who[role], method, args);
          assert.equal(answer.status === 403, !allowed, `${role} × ${permission} (${method}): ${answer.status} ${answer.body}`);
        }
      }
    });
  });

/** A sign-in or enrolment form of `team`'s, ready to post: its form token and the cookie that goes with it. */
async function formOf(team: TeamServerProcess, path: string): Promise<{ form: string; cookie: string }> {
  const page = await request(`${team.base}${path}`, 'GET');
  assert.equal(page.status, 200, page.body);
  return {
    form: /name="form" value="([^"]+)"/.exec(page.body)![1]!,
    cookie: [...page.cookies.values()].map((line) => line.split(';')[0]).join('; '),
  };
}

function postTo(team: TeamServerProcess, path: string, { form, cookie }: { form: string; cookie: string }, fields: Record<string, string>) {
  return request(`${team.base}${path}`, 'POST', {
    headers: { ...FORM, cookie, origin: new URL(team.base).origin, 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ ...fields, form }).toString(),
  });
}

describe('two team servers on one PostgreSQL database', { skip: DESK_ENGINES.find((e) => e.engine === 'postgres')!.skip }, () => {
  test('an enrolment link posted to both at the same moment is used once', async () => {
    const store = await teamDatabase({ anna: 'admin' }, { engine: 'postgres' });
    const [one, two] = [await startTeam(store), await startTeam(store)];
    const added = await omv(['users', ...store.storeArgs, 'add', 'maya', '--role', 'moderator']);
    assert.equal(added.code, 0, added.stderr);
    const token = /\/enrol\?token=(\S+)/.exec(added.stdout)![1]!;
    const path = `/enrol?token=${token}`;
    const forms = [await formOf(one, path), await formOf(two, path)];
    const answers = await Promise.all(
      [one, two].map((team, i) =>
        postTo(team, '/enrol', forms[i]!, { token, password: `the ${i} long password`, confirm: `the ${i} long password` }),
      ),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status).sort(),
      [303, 410],
      'one enrols (and goes to the desk), the other is told the link does not work',
    );
    const maya = await store.rows<{ n: number }>(
      "SELECT CAST(count(*) AS integer) AS n FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE name = 'maya')",
    );
    assert.equal(maya[0]!.n, 1, 'one session');
    assert.equal(
      (await store.audit()).filter((row) => row.action === 'enrolled' && row.moderator === 'maya').length,
      1,
      'one enrolment in the trail',
    );
  });

  test('guesses posted to both at the same moment are checked one at a time, and the failures both count add up', async () => {
    const store = await teamDatabase({ maya: 'moderator' }, { engine: 'postgres' });
    const servers = [await startTeam(store), await startTeam(store)];
    const failures = async () =>
      Number((await store.rows<{ n: number }>("SELECT failed_logins AS n FROM accounts WHERE name = 'maya'"))[0]!.n);
    const guess = (team: TeamServerProcess, form: { form: string; cookie: string }) =>
      postTo(team, '/login', form, { name: 'maya', password: 'not her password' });
    let counted = 0;
    for (let round = 0; round < 3; round++) {
      const forms = await Promise.all(servers.map((team) => formOf(team, '/login')));
      const answers = await Promise.all(servers.map((team, i) => guess(team, forms[i]!)));
      const statuses = answers.map((answer) => answer.status);
      // Each guess is checked (401) or refused unchecked as too soon after one that was (429); every one checked counts.
      assert.ok(
        statuses.every((status) => status === 401 || status === 429),
        statuses.join(', '),
      );
      counted += statuses.filter((status) => status === 401).length;
      assert.equal(await failures(), counted, `round ${round}: ${statuses.join(', ')}`);
      const wait = Math.max(...answers.map((answer) => Number(answer.headers['retry-after'] ?? 0)), 1);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
    assert.equal((await store.audit()).filter((row) => row.action === 'sign-in failed').length, counted, 'each failure in the trail once');
    assert.ok(counted >= 3, `at least one checked guess a round: ${counted}`);
  });
});

for (const { engine, skip } of DESK_ENGINES)
  describe(`omv users${engine === 'postgres' ? ' --store postgres://…' : ' --db FILE'}`, { skip }, () => {
    test('adds, lists, changes a role, disables, enables and resets accounts, keeps the last admin, audited as the operator', async () => {
      const store = await teamDatabase({ anna: 'admin' }, { engine });
      const users = (...args: string[]) => omv(['users', ...store.storeArgs, '--as', 'op-olga', ...args]);
      const added = await users('add', 'maya', '--role', 'moderator', '--url', 'https://omv.example.org');
      assert.equal(added.code, 0, added.stderr);
      assert.match(
        added.stdout,
        /^added maya \(moderator\); this link sets the password, once, until \S+:\nhttps:\/\/omv\.example\.org\/enrol\?token=\S+\n$/,
      );
      assert.equal((await users('add', 'MAYA', '--role', 'lead')).code, 1, 'a name taken, in any letter case');
      assert.equal((await users('role', 'maya', 'lead')).code, 0);
      const list = await users('list');
      assert.deepEqual(
        list.stdout
          .trim()
          .split('\n')
          .map((line) => line.split('\t').slice(0, 3)),
        [
          ['anna', 'admin', 'active'],
          ['maya', 'lead', 'awaiting enrolment'],
        ],
      );
      const last = await users('disable', 'anna');
      assert.equal(last.code, 1);
      assert.match(last.stderr, /anna is the last admin/);
      assert.match((await users('disable', 'maya')).stdout, /^disabled maya; 0 sessions ended\n$/);
      assert.equal((await users('reset', 'maya')).code, 1, 'a disabled account is enabled before a reset');
      assert.equal((await users('enable', 'maya')).code, 0);
      assert.match((await users('reset', 'maya')).stdout, /^reset maya: password cleared, sessions ended/);
      assert.deepEqual(
        (await store.audit()).filter((row) => row.moderator === 'op-olga' && row.details['account'] === 'maya').map((row) => row.action),
        ['account added', 'role changed', 'account disabled', 'account enabled', 'account reset'],
      );
    });
  });
