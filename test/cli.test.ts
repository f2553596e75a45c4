import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openDatabase } from '../main/store/db.js';
import { insertDelivery } from '../main/store/deliveries.js';
import { exportUsage, searchUsage, serveUsage, usersUsage } from '../main/cli/usage.js';
import { omv } from './support/cli.js';
import { ABUSE_XML, CLASSIC_ARCHIVE_XML, messagesXml, ROOMS_XML, SEED_XML } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const HEADER = 'entry_id,time_utc,timestamp_ms,domain_id,room,type,user_id,display_name,invisible,content,source,call_id\r\n';

function files(contents: Record<string, string | Buffer>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(contents)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe('omv import → omv export', () => {
  test('round trip of every payload kind, to the exact CSV text', async () => {
    const dir = files({
      'a/seed.xml': SEED_XML,
      'a/archive.xml': Buffer.from(CLASSIC_ARCHIVE_XML, 'latin1'),
      'b/abuse.xml': Buffer.from(ABUSE_XML, 'latin1'),
      'b/rooms.xml': ROOMS_XML,
      'b/notes.txt': 'not a payload: folders are searched for *.xml only',
    });
    const db = join(dir, 'omv.sqlite');
    const imported = await omv(['import', '--db', db, '--domain', 'example.com', join(dir, 'a'), join(dir, 'b')]);
    assert.equal(imported.code, 0, imported.stderr);
    // The database named, and nothing else (a V8 setting the import makes would complain here on a Node without it).
    assert.equal(imported.stderr, `omv: database ${db}\n`);
    assert.equal(
      imported.stdout,
      [
        `new        ${join(dir, 'a/archive.xml')}: 4 entries (4 new)`,
        `duplicate  ${join(dir, 'a/seed.xml')}: nothing new`,
        // The message it quotes was stored already, the report is new: a file adding a report is no duplicate.
        `new        ${join(dir, 'b/abuse.xml')}: 1 entries (0 new)`,
        `new        ${join(dir, 'b/rooms.xml')}: 0 entries (0 new)`,
        '4 files: 3 new, 1 duplicate, 0 failed; 8 entries read, 4 new',
        '',
      ].join('\n'),
    );
    const exported = await omv(['export', '--db', db]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(
      exported.stdout,
      HEADER +
        '1,2005-09-12T18:50:16.075Z,1126551016075,example.com,asfd,announcement,,,,,import,\r\n' +
        '2,2005-09-12T18:51:50.781Z,1126551110781,example.com,asfd,leave,1,tom,false,,import,\r\n' +
        '3,2005-09-12T18:51:52.343Z,1126551112343,example.com,asfd,join,1,tom,false,,import,\r\n' +
        '4,2005-09-12T18:52:07.685Z,1126551127685,example.com,asfd,msg,1,tom,false,this is my message,import,\r\n',
    );
    assert.match(exported.stderr, /exported 4 entries/);

    const again = await omv(['import', '--db', db, '--domain', 'example.com', join(dir, 'a/archive.xml')]);
    assert.match(again.stdout, /^duplicate {2}.*archive\.xml: nothing new$/m);

    const stats = await omv(['stats', '--db', db]);
    assert.equal(stats.code, 0);
    assert.match(stats.stdout, /^rooms {9}3$/m);
    assert.match(stats.stdout, /^entries {7}4 {2}\(announcement 1, join 1, leave 1, msg 1\)$/m);
    assert.match(stats.stdout, /^deliveries {4}4 {2}\(import 4\)$/m);
    assert.match(stats.stdout, /^duplicates {4}1 /m);
    assert.match(stats.stdout, /^abuse reports 1$/m);
    assert.match(stats.stdout, /^rosters {7}1 /m);
  });

  test('the abuse report is linked to the message it quotes, stored once', async () => {
    const dir = files({ 'archive.xml': Buffer.from(CLASSIC_ARCHIVE_XML, 'latin1'), 'abuse.xml': Buffer.from(ABUSE_XML, 'latin1') });
    const dbPath = join(dir, 'omv.sqlite');
    assert.equal((await omv(['import', '--db', dbPath, join(dir, 'archive.xml'), join(dir, 'abuse.xml')])).code, 0);
    const db = openDatabase(dbPath);
    const linked = db
      .prepare(
        'SELECT r.abuser_user_id, r.description, e.content FROM abuse_reports r JOIN abuse_report_entries l ON l.report_id = r.id JOIN entries e ON e.id = l.entry_id',
      )
      .all();
    assert.deepEqual(linked, [
      { abuser_user_id: '23456', description: 'Said awful things to me accused me of being a "pimp"', content: 'this is my message' },
    ]);
    assert.equal(db.prepare("SELECT count(*) FROM entries WHERE type = 'msg'").pluck().get(), 1);
    db.close();
  });

  test('a malformed file fails with line:column, exit 1, and the others are imported', async () => {
    const dir = files({ 'good.xml': SEED_XML, 'bad.xml': SEED_XML.replace('</userID>\n</entry>', '</userID>\n</room></entry>') });
    const db = join(dir, 'omv.sqlite');
    const result = await omv(['import', '--db', db, join(dir, 'bad.xml'), join(dir, 'good.xml')]);
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      new RegExp(
        `^failed {5}${join(dir, 'bad.xml')}:9:\\d+: unexpected close tag \\(kept in quarantine as delivery 1; 1 new entries before the error were stored\\)$`,
        'm',
      ),
    );
    assert.match(result.stdout, /^new {8}.*good\.xml: 3 entries \(2 new\)$/m);
    assert.match(result.stdout, /2 files: 1 new, 0 duplicate, 1 failed/);
    const missing = await omv(['import', '--db', db, join(dir, 'nope.xml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /failed .*nope\.xml: ENOENT/);
  });
});

describe('omv export', () => {
  const hostile = [
    { ts: 1_000, user: 'mallory', content: '=HYPERLINK("http://evil.example","click")' },
    { ts: 2_000, user: '-1', content: '+1+1' },
    { ts: 3_000, user: 'bob', content: '-2' },
    { ts: 4_000, user: 'bob', content: '@SUM(A1)' },
    { ts: 5_000, user: 'bob', content: '\tindented' },
    { ts: 6_000, user: 'bob', content: 'a, "quoted"\nsecond line' },
  ];

  async function hostileDb(): Promise<string> {
    const dir = files({ 'h.xml': messagesXml({ 'r,1': hostile }, { callID: 'h1' }) });
    const db = join(dir, 'omv.sqlite');
    assert.equal((await omv(['import', '--db', db, '--domain', 'd', join(dir, 'h.xml')])).code, 0);
    return db;
  }

  test('spreadsheet formulas are neutralised, RFC 4180 quoting throughout', async () => {
    const result = await omv(['export', '--db', await hostileDb()]);
    assert.equal(
      result.stdout,
      HEADER +
        `1,1970-01-01T00:00:01.000Z,1000,d,"r,1",msg,mallory,,false,"'=HYPERLINK(""http://evil.example"",""click"")",import,h1\r\n` +
        `2,1970-01-01T00:00:02.000Z,2000,d,"r,1",msg,'-1,,false,'+1+1,import,h1\r\n` +
        `3,1970-01-01T00:00:03.000Z,3000,d,"r,1",msg,bob,,false,'-2,import,h1\r\n` +
        `4,1970-01-01T00:00:04.000Z,4000,d,"r,1",msg,bob,,false,'@SUM(A1),import,h1\r\n` +
        `5,1970-01-01T00:00:05.000Z,5000,d,"r,1",msg,bob,,false,'\tindented,import,h1\r\n` +
        `6,1970-01-01T00:00:06.000Z,6000,d,"r,1",msg,bob,,false,"a, ""quoted""\nsecond line",import,h1\r\n`,
    );
  });

  test('--format jsonl writes one typed JSON object a line, the same fields as the CSV', async () => {
    const result = await omv(['export', '--db', await hostileDb(), '--format', 'jsonl', '--user', 'mallory']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
      [
        {
          entry_id: 1,
          time_utc: '1970-01-01T00:00:01.000Z',
          timestamp_ms: 1000,
          domain_id: 'd',
          room: 'r,1',
          type: 'msg',
          user_id: 'mallory',
          display_name: null,
          invisible: false,
          content: '=HYPERLINK("http://evil.example","click")',
          source: 'import',
          call_id: 'h1',
        },
      ],
    );
    assert.equal((await omv(['export', '--db', await hostileDb(), '--format', 'xml'])).code, 2);
  });

  test('--raw keeps the cells as they are; --out writes a file', async () => {
    const db = await hostileDb();
    const out = join(tempDir(), 'out.csv');
    const result = await omv(['export', '--db', db, '--raw', '--out', out]);
    assert.equal(result.stdout, '');
    const csv = readFileSync(out, 'utf8');
    assert.ok(csv.startsWith(HEADER));
    assert.match(csv, /^1,.*,"=HYPERLINK\(""http:\/\/evil\.example"",""click""\)",import,h1\r$/m);
    assert.match(csv, /^2,.*,msg,-1,,false,\+1\+1,import,h1\r$/m);
  });

  test('--out refuses an existing file or manifest unless --force', async () => {
    const db = await hostileDb();
    const dir = tempDir();
    const out = join(dir, 'evidence.csv');
    writeFileSync(out, 'an earlier export, kept as evidence\n');
    const refused = await omv(['export', '--db', db, '--out', out]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      new RegExp(`omv export: ${out.replaceAll('/', '\\/')} exists already: name a new --out FILE, or add --force to replace it`),
    );
    assert.equal(readFileSync(out, 'utf8'), 'an earlier export, kept as evidence\n');

    const fresh = join(dir, 'fresh.csv');
    writeFileSync(`${fresh}.manifest.json`, '{"file":"an earlier one"}');
    const manifestRefused = await omv(['export', '--db', db, '--out', fresh]);
    assert.equal(manifestRefused.code, 2);
    assert.match(manifestRefused.stderr, /fresh\.csv\.manifest\.json exists already/);
    assert.equal(existsSync(fresh), false, 'nothing written');
    assert.equal(readFileSync(`${fresh}.manifest.json`, 'utf8'), '{"file":"an earlier one"}');

    const forced = await omv(['export', '--db', db, '--out', out, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(readFileSync(out, 'utf8').startsWith(HEADER));
    assert.equal((JSON.parse(readFileSync(`${out}.manifest.json`, 'utf8')) as { rows: number }).rows, hostile.length);
    assert.equal((await omv(['export', '--db', db, '--force'])).code, 2, '--force needs --out');
  });

  test('filters: room, user, type, time range (ISO or ms), search text', async () => {
    const dir = files({
      'f.xml': messagesXml(
        {
          lobby: [
            { ts: Date.parse('2024-03-01T10:00:00Z'), user: 'ann', content: 'good morning everyone' },
            { ts: Date.parse('2024-03-01T23:59:59.999Z'), user: 'bob', content: 'late night' },
            { ts: Date.parse('2024-03-02T08:00:00Z'), user: 'ann', type: 'leave' },
          ],
          games: [{ ts: Date.parse('2024-03-01T12:00:00Z'), user: 'bob', content: 'good game, morning match' }],
        },
        { callID: 'f' },
      ),
    });
    const db = join(dir, 'omv.sqlite');
    await omv(['import', '--db', db, join(dir, 'f.xml')]);
    const ids = async (...args: string[]) => {
      const result = await omv(['export', '--db', db, ...args]);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout
        .trim()
        .split('\r\n')
        .slice(1)
        .map((line) => Number(line.split(',')[0]));
    };
    assert.deepEqual(await ids(), [1, 4, 2, 3]);
    assert.deepEqual(await ids('--room', 'lobby'), [1, 2, 3]);
    assert.deepEqual(await ids('--user', 'bob'), [4, 2]);
    assert.deepEqual(await ids('--type', 'leave'), [3]);
    assert.deepEqual(await ids('--from', '2024-03-01T11:00:00Z', '--to', '2024-03-01'), [4, 2]);
    assert.deepEqual(await ids('--from', String(Date.parse('2024-03-02T08:00:00Z'))), [3]);
    assert.deepEqual(await ids('--query', 'morning'), [1, 4]);
    assert.deepEqual(await ids('--query', 'morn* -game'), [1]);
    assert.deepEqual(await ids('--query', '"morning match"'), [4]);
    assert.deepEqual(await ids('--query', 'good', '--room', 'games', '--user', 'bob'), [4]);
    // The flags win over the query's filters: --room over in:, --user over from:.
    assert.deepEqual(await ids('--query', 'in:games', '--room', 'lobby'), [1, 2, 3]);
    assert.deepEqual(await ids('--query', 'from:ann', '--user', 'bob'), [4, 2]);
    // The same room name in another domain: --domain keeps one domain's.
    writeFileSync(
      join(dir, 'other.xml'),
      messagesXml({ lobby: [{ ts: Date.parse('2024-03-01T10:00:00Z'), user: 'cy', content: 'other shop' }] }),
    );
    await omv(['import', '--db', db, '--domain', 'other.example', join(dir, 'other.xml')]);
    assert.deepEqual(await ids('--room', 'lobby'), [1, 5, 2, 3]);
    assert.deepEqual(await ids('--room', 'lobby', '--domain', 'other.example'), [5]);
    assert.deepEqual(await ids('--room', 'lobby', '--domain', ''), [1, 2, 3]);
    assert.deepEqual(await ids('--domain', 'other.example'), [5]);
    const inverted = await omv(['export', '--db', db, '--from', '2024-03-02', '--to', '2024-03-01']);
    assert.equal(inverted.code, 2);
    assert.match(inverted.stderr, /--from \(2024-03-02\) is after --to \(2024-03-01\): no entry is in between/);
    const bad = await omv(['export', '--db', db, '--from', 'last tuesday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--from takes epoch milliseconds or an ISO 8601 date, not "last tuesday"/);
  });

  test('a database that does not exist is an error, not a new empty file', async () => {
    const result = await omv(['export', '--db', join(tempDir(), 'missing.sqlite')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no database at .*missing\.sqlite/);
  });

  test('the default database is $OMV_DB, and its path is printed', async () => {
    const dir = files({ 's.xml': SEED_XML });
    const db = join(dir, 'env.sqlite');
    const imported = await omv(['import', join(dir, 's.xml')], { env: { OMV_DB: db } });
    assert.equal(imported.code, 0);
    assert.match(imported.stderr, new RegExp(`omv: database ${db}`));
    const home = tempDir();
    const fallback = await omv(['stats'], { env: { OMV_DB: '', XDG_CONFIG_HOME: home } });
    assert.match(fallback.stderr, new RegExp(`no database at ${home}/Offline Message Viewer/omv\\.sqlite`));
  });

  test('stats, quarantine and reports read a SQLite file: $OMV_STORE naming one is read; naming PostgreSQL is refused, not passed over for the default file', async () => {
    const dir = files({ 's.xml': SEED_XML });
    const home = tempDir();
    const defaultFile = join(home, 'Offline Message Viewer', 'omv.sqlite');
    assert.equal((await omv(['import', join(dir, 's.xml')], { env: { OMV_DB: '', XDG_CONFIG_HOME: home } })).code, 0);
    const named = join(dir, 'named.sqlite');
    assert.equal((await omv(['import', '--db', named, join(dir, 's.xml')])).code, 0);
    const viaStore = await omv(['stats'], { env: { OMV_DB: '', XDG_CONFIG_HOME: home, OMV_STORE: named } });
    assert.equal(viaStore.code, 0, viaStore.stderr);
    assert.equal(viaStore.stderr, `omv: database ${named}\n`);
    const postgres = { OMV_DB: '', XDG_CONFIG_HOME: home, OMV_STORE: 'postgres://omv@127.0.0.1:1/omv' };
    for (const args of [['stats'], ['quarantine', 'list'], ['reports', 'list']]) {
      const refused = await omv(args, { env: postgres });
      assert.equal(refused.code, 2, `${args.join(' ')}: ${refused.stdout}${refused.stderr}`);
      assert.match(refused.stderr, new RegExp(`omv ${args[0]} reads a SQLite file only, and \\$OMV_STORE names a PostgreSQL database`));
      assert.doesNotMatch(refused.stderr, new RegExp(defaultFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      // --store, as every other command takes it, gets the same answer (not "Unknown option").
      const byStore = await omv([...args, '--store', 'postgres://omv@127.0.0.1:1/omv'], { env: { OMV_DB: '', XDG_CONFIG_HOME: home } });
      assert.equal(byStore.code, 2, `${args.join(' ')} --store: ${byStore.stdout}${byStore.stderr}`);
      assert.match(byStore.stderr, new RegExp(`omv ${args[0]} reads a SQLite file only, and --store names a PostgreSQL database`));
    }
    assert.equal((await omv(['stats', '--store', named], { env: postgres })).code, 0, '--store FILE names a file, as --db does');
    const byFlag = await omv(['stats', '--db', 'postgres://omv@127.0.0.1:1/omv'], { env: { OMV_DB: '', XDG_CONFIG_HOME: home } });
    assert.equal(byFlag.code, 2);
    assert.match(byFlag.stderr, /omv stats reads a SQLite file only, and --db names a PostgreSQL database/);
    // --db says which file, whatever $OMV_STORE says.
    const flagged = await omv(['stats', '--db', named], { env: postgres });
    assert.equal(flagged.code, 0, flagged.stderr);
  });
});

describe('omv search, stats, quarantine', () => {
  test('search shows room, time and user with the match marked, newest first', async () => {
    const dir = files({
      's.xml': messagesXml({
        lobby: [
          { ts: 1000, user: 'ann', content: 'the quick brown fox' },
          { ts: 2000, user: 'bob', invisible: 'true', content: 'a quick reply' },
        ],
      }),
    });
    const db = join(dir, 'omv.sqlite');
    await omv(['import', '--db', db, '--domain', 'site', join(dir, 's.xml')]);
    const result = await omv(['search', '--db', db, 'quick']);
    assert.equal(
      result.stdout,
      '1970-01-01T00:00:02.000Z  site/lobby  bob [invisible]: a [quick] reply\n' +
        '1970-01-01T00:00:01.000Z  site/lobby  ann: the [quick] brown fox\n' +
        '2 of 2 hits shown\n',
    );
    assert.equal((await omv(['search', '--db', db, '--limit', '1', 'quick'])).stdout.split('\n').at(-2), '1 of 2 hits shown');
    assert.equal((await omv(['search', '--db', db, 'zebra'])).stdout, '0 of 0 hits shown\n');
    // The desk's search language: filters too.
    assert.equal(
      (await omv(['search', '--db', db, 'from:ann quick'])).stdout,
      '1970-01-01T00:00:01.000Z  site/lobby  ann: the [quick] brown fox\n1 of 1 hits shown\n',
    );
    assert.equal((await omv(['search', '--db', db, 'in:elsewhere', 'quick'])).stdout, '0 of 0 hits shown\n');
    // Text that only excludes selects every entry without it: here, none.
    const onlyExcluded = await omv(['search', '--db', db, '--', '-quick']);
    assert.equal(onlyExcluded.code, 0, onlyExcluded.stderr);
    assert.equal(onlyExcluded.stdout, '0 of 0 hits shown\n');
  });

  test('search: a word starting with - is the query excluding it, before or after --, first or not', async () => {
    const dir = files({
      's.xml': messagesXml({
        lobby: [
          { ts: 1000, user: 'ann', content: 'hello world' },
          { ts: 2000, user: 'bob', content: 'hello spam' },
        ],
      }),
    });
    const db = join(dir, 'omv.sqlite');
    await omv(['import', '--db', db, join(dir, 's.xml')]);
    const annOnly = '1970-01-01T00:00:01.000Z  lobby  ann: [hello] world\n1 of 1 hits shown\n';
    for (const args of [
      ['-spam', 'hello'],
      ['hello', '-spam'],
      ['--', '-spam', 'hello'],
      ['-spam', '--limit', '5', 'hello'],
      ['--limit', '5', '--', 'hello', '-spam'],
    ]) {
      const result = await omv(['search', '--db', db, ...args]);
      assert.equal(result.stdout, annOnly, `omv search ${args.join(' ')}: ${result.stderr}`);
    }
    // -word alone is the query too: every entry without the word.
    const bare = await omv(['search', '--db', db, '-spam']);
    assert.equal(bare.code, 0, bare.stderr);
    assert.doesNotMatch(bare.stderr, /Unknown option/);
    assert.equal(bare.stdout, annOnly.replace('[hello]', 'hello'));
    assert.match((await omv(['search', '--db', db, '--bogus', 'hello'])).stderr, /Unknown option '--bogus'/);
  });

  test('quarantine list, show and retry', async () => {
    const dir = files({ 'bad.xml': '<messageOffline><room></messageOffline>' });
    const dbPath = join(dir, 'omv.sqlite');
    await omv(['import', '--db', dbPath, join(dir, 'bad.xml')]);
    // A payload an older version could not read: kept in quarantine, parseable today.
    const db = openDatabase(dbPath);
    const kept = Buffer.from(SEED_XML);
    insertDelivery(
      db,
      {
        source: 'callback',
        function: 'sendOfflineMessages',
        domainId: 'example.com',
        type: 'chat',
        callId: '9',
        receivedAt: 0,
        payload: kept,
        payloadSize: kept.length,
        sha256: 'x',
        filePath: null,
      },
      'quarantined',
      'rejected by an older parser',
    );
    db.close();

    const list = await omv(['quarantine', '--db', dbPath, 'list']);
    assert.match(list.stdout, /^1\t.*\timport .*bad\.xml\t39 bytes\tmalformed payload at 1:\d+: a <room> has no <name>$/m);
    // From standard input: no file to name.
    const piped = join(dir, 'piped.sqlite');
    await omv(['import', '--db', piped, '-'], { input: '<messageOffline><room><name>x</name>' });
    assert.match((await omv(['quarantine', '--db', piped, 'list'])).stdout, /^1\t.*\timport \(standard input or a pipe\)\t36 bytes\t/m);
    assert.match(
      list.stdout,
      /^2\t1970-01-01T00:00:00\.000Z\tsendOfflineMessages example\.com call 9\t\d+ bytes\trejected by an older parser$/m,
    );
    assert.match(list.stdout, /^2 quarantined$/m);

    const show = await omv(['quarantine', '--db', dbPath, 'show', '2']);
    assert.equal(show.stdout, SEED_XML);
    assert.match(show.stderr, /^error: rejected by an older parser$/m);

    const retry = await omv(['quarantine', '--db', dbPath, 'retry']);
    assert.match(retry.stdout, /^quarantined {2}1: malformed payload/m);
    assert.match(retry.stdout, /^stored {7}2: 3 entries \(3 new\)$/m);
    assert.match(retry.stdout, /^2 retried: 1 stored, 1 still quarantined$/m);
    const exported = await omv(['export', '--db', dbPath]);
    assert.match(exported.stdout, /,example\.com,asfd,msg,1,,false,this is my message,callback,9\r\n$/);
    assert.match((await omv(['stats', '--db', dbPath])).stdout, /^quarantined {3}1 /m);
    // Stored now: its raw chat is not for the quarantine's eyes.
    const stored = await omv(['quarantine', '--db', dbPath, 'show', '2']);
    // Not a mistake on the command line (exit 2 and the usage): there is nothing of that ID to show (exit 1).
    assert.equal(stored.code, 1);
    assert.equal(stored.stdout, '');
    assert.match(stored.stderr, /delivery 2 is not in quarantine \(it was stored\)/);
    assert.doesNotMatch(stored.stderr, /usage:/);
    const missing = await omv(['quarantine', '--db', dbPath, 'show', '99']);
    assert.deepEqual([missing.code, missing.stderr], [1, `omv: database ${dbPath}\nomv quarantine: no delivery 99\n`]);
  });

  test('usage errors exit 2 with the command usage', async () => {
    const result = await omv(['export', '--bogus']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: omv export/);
    assert.equal((await omv(['frobnicate'])).code, 2);
    assert.equal((await omv(['import'])).code, 2);
  });

  test('omv help COMMAND prints that command’s usage, omv --version the version, and every usage line names the options its command takes', async () => {
    const help = await omv(['help', 'search']);
    assert.deepEqual([help.code, help.stdout], [0, `${searchUsage}\n`]);
    const unknown = await omv(['help', 'frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^omv: unknown command "frobnicate"/);
    const version = await omv(['--version']);
    assert.deepEqual(
      [version.code, version.stdout],
      [0, `omv ${JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version}\n`],
    );
    // The first line of a usage lists the options the text below it describes.
    for (const [usage, options] of [
      [exportUsage, ['--pseudonymous', '--with-review', '--raw']],
      [serveUsage, ['--query-timeout', '--no-viewer']],
      [usersUsage, ['--store']],
    ] as const)
      for (const option of options)
        assert.ok(usage.split('\n')[0]!.includes(option), `${usage.split(' ')[1]}'s usage line names ${option}`);
  });
});
