// omv import --store postgres://… through the built CLI: the same files as omv import into SQLite
// give the same lines, the same exit status, the same entries (in the same order, with the same
// ids), rooms, users, counters, deliveries and search answers; the same rows as PostgreSQL's own
// receiver given the same payloads (full-text columns included); importing again adds nothing; a
// malformed file is quarantined with its reason while the others import; an import killed part
// way leaves whole batches, and running it again completes it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseSearch } from '../shared/searchQuery.js';
import type { StoreEngine } from '../main/store/engine.js';
import { openPgEngine } from '../main/store/pg/engine.js';
import { claimImport, startImport } from '../main/store/pg/importDeliveries.js';
import { openSqliteEngine } from '../main/store/sqliteEngine.js';
import { CLI, omv } from './support/cli.js';
import { delivery } from './support/engines.js';
import { ABUSE_XML, entryXml, messagesXml, ROOMS_XML, type EntrySpec } from './support/payloads.js';
import { postgresSkipReason, startPostgres, type PgCluster } from './support/postgres.js';
import { random } from './support/synthetic.js';
import { tempDir } from './support/tmp.js';

const skip = postgresSkipReason();

// int8 (ids, timestamps, counts) as numbers, as SQLite's rows have them.
pg.types.setTypeParser(20, Number);

/** Chat content as hostile as XML lets it be (U+0000 it cannot carry): COPY's and CSV's own characters, astral code points. */
const HOSTILE = [
  'he said "hi", then left',
  'back\\slash \\N \\. \\\\ end',
  'line one\nline two\n\\.\nthree',
  'tab\there\tand "there"',
  ',,,;;;',
  '😀 emoji 🎉 astral 𝄞 and 👍🏽',
  'Crème brûlée à la café, naïve Straße',
  '<b>not markup</b> & entities &amp;',
  "single ' quote",
  'CDATA end ]]> inside',
  '',
  '   ',
  '"',
  '\\',
];
const WORDS = ['hello', 'world', 'café', 'game', 'the', 'spam', 'über', '日本語', 'ok', 'lol'];

/** A message file whose rooms may come more than once (their entries then repeat earlier ones across batches). */
function messageFile(parts: Array<[room: string, entries: EntrySpec[]]>, root = 'messageOffline'): string {
  const rooms = parts.map(
    ([name, entries]) => `<room><name><![CDATA[${name}]]></name><messages>${entries.map(entryXml).join('')}</messages></room>`,
  );
  return `<?xml version='1.0' encoding='utf-8'?>\n<${root} type="chat" callID="c-${root}">\n${rooms.join('\n')}\n</${root}>\n`;
}

/** `n` entries from `start`, a second apart: joins, leaves, announcements and messages, hostile ones among them, display names changing. */
function entries(n: number, start: number, seed: number): EntrySpec[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i): EntrySpec => {
    const user = `u${Math.floor(next() * 300)}${i % 7 === 0 ? ' "quoted"' : ''}`;
    const roll = next();
    const displayName = roll < 0.3 ? undefined : `Näme ${user}, v${Math.floor(i / 20_000)}`;
    if (roll < 0.05) return { type: 'join', ts: start + i * 1000, user, displayName };
    if (roll < 0.08) return { type: 'leave', ts: start + i * 1000, user, invisible: 'true' };
    if (roll < 0.09) return { type: 'announcement', ts: start + i * 1000, content: 'maintenance at 5' };
    const content =
      next() < 0.1
        ? HOSTILE[Math.floor(next() * HOSTILE.length)]!
        : Array.from({ length: 1 + Math.floor(next() * 6) }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
    return { ts: start + i * 1000, user, displayName, content };
  });
}

/** The repeats of `of` a later file or batch brings: every other one, a display name given where it had none. */
const repeats = (of: EntrySpec[]) => of.filter((_, i) => i % 2 === 0).map((e) => ({ ...e, displayName: e.displayName ?? 'named later' }));

const MONTH_A = Date.UTC(2024, 0, 30, 23);
const MONTH_B = Date.UTC(2024, 2, 1);

interface Files {
  dir: string;
  /** Imported in this order, by both stores. */
  names: string[];
  /** The function a callback of each would have come through. */
  functions: Record<string, string>;
  /** The malformed file's well-formed part, as a payload (what its import keeps). */
  badPrefix: string;
  big: string;
  bigEntries: number;
}

function writeFiles(): Files {
  const dir = tempDir();
  const lobby = entries(400, MONTH_A, 1);
  const kitchen = entries(200, MONTH_B, 2);
  const old = [{ ts: Date.UTC(1999, 11, 31, 23, 59), user: 'u1', content: 'before partitions: the default one' }];
  const a = messageFile([
    ['lobby', lobby],
    ['kitchen, "the" one', kitchen],
    ['Straße ☕ \\ 😀', old],
    ['empty room', []],
  ]);
  const b = messageFile(
    [
      ['lobby', [...repeats(lobby), ...entries(100, MONTH_B + 3_600_000, 3)]],
      ['kitchen, "the" one', repeats(kitchen)],
    ],
    'messageArchive',
  );
  // Large enough to be parsed on the parser thread, in more than two batches; its last part repeats its first across batches.
  const first = entries(60_000, Date.UTC(2024, 3, 1), 4);
  const big = messageFile([
    ['lobby', first],
    ['hall', entries(25_000, Date.UTC(2024, 4, 10), 5)],
    ['lobby', [...repeats(first.slice(0, 20_000)), ...entries(15_000, Date.UTC(2024, 6, 1), 6)]],
  ]);
  const badPrefixEntries = entries(30, Date.UTC(2024, 5, 1), 7);
  const badPrefix = messageFile([['lobby', badPrefixEntries]]);
  const bad = badPrefix.replace('</messages>', '<entry type="msg"><timestamp>1</timestamp><content>x</conten></entry></messages>');
  const files: Record<string, string> = {
    'a.xml': a,
    'b.xml': b,
    'big.xml': big,
    'abuse.xml': ABUSE_XML,
    'rooms.xml': ROOMS_XML,
    'bad.xml': bad,
    // Another report quoting the same message: nothing new among its entries, but a report of its own.
    'abuse-again.xml': ABUSE_XML.replace('Said awful things', 'Said more awful things'),
  };
  for (const [name, xml] of Object.entries(files)) writeFileSync(join(dir, name), xml);
  copyFileSync(join(dir, 'a.xml'), join(dir, 'a-again.xml'));
  return {
    dir,
    names: ['a.xml', 'b.xml', 'big.xml', 'abuse.xml', 'rooms.xml', 'bad.xml', 'a-again.xml', 'abuse-again.xml'],
    functions: {
      'a.xml': 'sendOfflineMessages',
      'b.xml': 'sendArchive',
      'big.xml': 'sendOfflineMessages',
      'abuse.xml': 'reportAbuse',
      'rooms.xml': 'sendConnectionList',
      'a-again.xml': 'sendOfflineMessages',
      'abuse-again.xml': 'reportAbuse',
    },
    badPrefix,
    big: join(dir, 'big.xml'),
    bigEntries: 60_000 + 25_000 + 10_000 + 15_000,
  };
}

/** A database of its own on the cluster. */
function database(cluster: PgCluster, name: string): string {
  cluster.run('createdb', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', name]);
  return cluster.url.replace(/\/omv$/, `/${name}`);
}

async function pgRows(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

function sqliteRows(path: string, text: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(text).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** What both stores are compared on, in SQL both speak (ids, and everything a moderator sees). */
const SAME = {
  entries: `SELECT e.id, r.name AS room, e.ts, e.ts_raw, u.user_id AS "user", e.display_name, e.type, e.invisible, e.content
    FROM entries e JOIN rooms r ON r.id = e.room_id LEFT JOIN users u ON u.id = e.user_id ORDER BY e.id`,
  rooms: 'SELECT id, domain_id, name, entry_count, last_ts FROM rooms ORDER BY id',
  users: 'SELECT id, domain_id, user_id, display_name FROM users ORDER BY id',
  activity: 'SELECT room_id, hour, entries FROM activity ORDER BY room_id, hour',
  deliveries: `SELECT id, source, status, kind, entry_count, new_entries, duplicates, error, file_path, sha256,
      CASE WHEN payload IS NULL THEN 0 ELSE 1 END AS kept, first_ts, last_ts, repairs, call_id
    FROM deliveries ORDER BY id`,
  abuse: `SELECT r.id, r.reporting_user_id, r.abuser_user_id, r.description, e.content FROM abuse_reports r
    JOIN abuse_report_entries l ON l.report_id = r.id JOIN entries e ON e.id = l.entry_id ORDER BY r.id, e.id`,
  rosters: `SELECT r.name, u.user_id FROM connection_snapshot_users s JOIN rooms r ON r.id = s.room_id JOIN users u ON u.id = s.user_id
    ORDER BY r.name, u.user_id`,
};

/** The same question of both engines: counts, the first pages of hits, the export. */
async function sameAnswers(sqlite: StoreEngine, pgStore: StoreEngine, input: string): Promise<number> {
  const { filter, errors } = parseSearch(input);
  assert.deepEqual(errors, [], input);
  const count = await sqlite.reads.countEntries(filter);
  assert.equal(await pgStore.reads.countEntries(filter), count, `${input}: count`);
  const ids = async (store: StoreEngine) => (await store.reads.searchPage(filter, 50, undefined, ['[', ']'])).hits.map((hit) => hit.id);
  assert.deepEqual(await ids(pgStore), await ids(sqlite), `${input}: first page`);
  const all = async (store: StoreEngine) => {
    const found: number[] = [];
    for await (const entry of store.reads.exportEntries(filter)) found.push(entry.id);
    return found;
  };
  assert.deepEqual(await all(pgStore), await all(sqlite), `${input}: export`);
  return count;
}

test(
  'omv import --store postgres://… answers as omv import into SQLite does (lines, exit status, entries, rooms, users, counters, deliveries, search) and stores what the receiver stores',
  { skip, timeout: 10 * 60_000 },
  async () => {
    const cluster = await startPostgres();
    const files = writeFiles();
    const paths = files.names.map((name) => join(files.dir, name));
    const sqlitePath = join(tempDir(), 'omv.sqlite');
    const env = { OMV_MODERATOR: 'maya' };
    const intoSqlite = await omv(['import', '--db', sqlitePath, ...paths], { env });
    const intoPg = await omv(['import', '--store', cluster.url, ...paths], { env });
    assert.equal(intoPg.stdout, intoSqlite.stdout, intoPg.stderr);
    assert.equal(intoPg.code, 1, 'a file failed: exit 1, as SQLite');
    assert.equal(intoSqlite.code, 1);
    // What the lines say, beyond their being alike.
    const lines = intoPg.stdout.split('\n');
    assert.match(lines[0]!, /^new {8}.*a\.xml: 601 entries \(601 new\)$/);
    assert.match(lines[2]!, new RegExp(`^new {8}.*big\\.xml: ${files.bigEntries} entries \\(${files.bigEntries - 10_000} new\\)$`));
    assert.match(
      lines[5]!,
      /^failed {5}.*bad\.xml:\d+:\d+: unexpected close tag \(kept in quarantine as delivery 6; 30 new entries before the error were stored\)$/,
    );
    assert.match(lines[6]!, /^duplicate {2}.*a-again\.xml: nothing new$/);
    assert.match(lines[7]!, /^new {8}.*abuse-again\.xml: 1 entries \(0 new\)$/);
    assert.match(lines[8]!, /^8 files: 6 new, 1 duplicate, 1 failed; /);

    for (const [what, sql] of Object.entries(SAME)) {
      const [s, p] = [sqliteRows(sqlitePath, sql), await pgRows(cluster.url, sql)];
      assert.ok(s.length > 0, `${what}: something to compare`);
      assert.deepEqual(p, s, what);
    }
    const quarantined = await pgRows(cluster.url, "SELECT error, length(payload) AS kept FROM deliveries WHERE status = 'quarantined'");
    assert.equal(quarantined.length, 1);
    assert.match(String(quarantined[0]!['error']), /^malformed payload at \d+:\d+: unexpected close tag$/);
    assert.equal(quarantined[0]!['kept'], readFileSync(join(files.dir, 'bad.xml')).length);
    const audited = await pgRows(cluster.url, "SELECT moderator, details FROM audit_log WHERE action = 'import' ORDER BY id");
    assert.deepEqual(
      audited.map((row) => [row['moderator'], JSON.parse(String(row['details'])).status]),
      ['new', 'new', 'new', 'new', 'new', 'failed', 'duplicate', 'new'].map((status) => ['maya', status]),
    );

    // Search answers alike (ids, order, counts, export).
    const sqlite = openSqliteEngine(sqlitePath);
    const pgStore = await openPgEngine(cluster.url);
    try {
      let found = 0;
      for (const input of [
        'hello',
        'café',
        'cafe',
        '"hi then"',
        'back*',
        '😀',
        'straße',
        'named',
        'from:u1',
        'type:join',
        'in:hall world',
        '-the',
        '',
      ])
        found += (await sameAnswers(sqlite, pgStore, input)) > 0 ? 1 : 0;
      assert.ok(found >= 10, `only ${found} queries found anything`);
    } finally {
      await pgStore.close();
      await sqlite.close();
    }
    const check = await omv(['check', '--store', cluster.url]);
    assert.equal(check.code, 0, check.stdout);

    // PostgreSQL's receiver, given the same payloads (the malformed file's readable part as a payload of its own): the same rows.
    const received = database(cluster, 'received');
    const receiver = await openPgEngine(received);
    try {
      for (const name of files.names) {
        const bytes = name === 'bad.xml' ? Buffer.from(files.badPrefix) : readFileSync(join(files.dir, name));
        const { meta, parsed } = delivery(bytes, { fn: files.functions[name] ?? 'sendOfflineMessages', domain: '' });
        await receiver.writes.receive(meta, parsed);
      }
    } finally {
      await receiver.close();
    }
    const withColumns = `SELECT e.id, r.name AS room, e.ts, e.ts_raw, u.user_id AS "user", e.display_name, e.type, e.invisible, e.content,
        e.words, e.lexemes::text AS lexemes FROM entries e JOIN rooms r ON r.id = e.room_id LEFT JOIN users u ON u.id = e.user_id ORDER BY e.id`;
    // Deliveries differ by nature (callbacks, not files; the repeat is not a row); what they hold is alike.
    const { deliveries: _deliveries, ...held } = SAME;
    for (const [what, sql] of Object.entries({ ...held, entries: withColumns }))
      assert.deepEqual(await pgRows(received, sql), await pgRows(cluster.url, sql), `the receiver's ${what}`);
  },
);

test(
  'importing the same files again adds nothing and reports each as a duplicate, counted on its delivery; the malformed one is tried again and stays in quarantine',
  { skip, timeout: 5 * 60_000 },
  async () => {
    const cluster = await startPostgres();
    const files = writeFiles();
    const small = ['a.xml', 'b.xml', 'bad.xml'].map((name) => join(files.dir, name));
    const first = await omv(['import', ...small], { env: { OMV_STORE: cluster.url } });
    assert.equal(first.code, 1, first.stderr);
    const before = await pgRows(cluster.url, SAME.entries);
    const again = await omv(['import', '--store', cluster.url, ...small]);
    assert.equal(again.code, 1);
    const lines = again.stdout.split('\n');
    assert.match(lines[0]!, /^duplicate {2}.*a\.xml: nothing new$/);
    assert.match(lines[1]!, /^duplicate {2}.*b\.xml: nothing new$/);
    assert.match(
      lines[2]!,
      /^failed {5}.*bad\.xml:\d+:\d+: unexpected close tag \(kept in quarantine as delivery 3; 0 new entries before the error were stored\)$/,
    );
    assert.equal(lines[3], '3 files: 0 new, 2 duplicate, 1 failed; 30 entries read, 0 new');
    assert.deepEqual(await pgRows(cluster.url, SAME.entries), before, 'no entry added or changed');
    assert.deepEqual(await pgRows(cluster.url, 'SELECT id, status, duplicates FROM deliveries ORDER BY id'), [
      { id: 1, status: 'stored', duplicates: 1 },
      { id: 2, status: 'stored', duplicates: 1 },
      { id: 3, status: 'quarantined', duplicates: 0 },
    ]);
  },
);

test(
  'an import into PostgreSQL killed part way leaves whole batches and its delivery unfinished; importing the file again completes it, as one import would have',
  { skip, timeout: 10 * 60_000 },
  async () => {
    const cluster = await startPostgres();
    const files = writeFiles();
    const sqlitePath = join(tempDir(), 'omv.sqlite');
    const whole = await omv(['import', '--db', sqlitePath, files.big]);
    assert.equal(whole.code, 0, whole.stderr);

    const child = spawn(process.execPath, [CLI, 'import', '--store', cluster.url, files.big], { stdio: 'ignore' });
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let stored = 0;
    while (stored === 0) {
      // (Before the import's omv has made the schema, there is no table to count.)
      stored = Number((await pgRows(cluster.url, 'SELECT count(*) AS n FROM entries').catch(() => [{ n: 0 }]))[0]!['n']);
      if (stored === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    assert.equal(await ended, 'SIGKILL', 'killed before it finished');
    // Whole batches only: the rooms' counters agree with the entries there, and the delivery is still being imported.
    const cut = await pgRows(cluster.url, 'SELECT status FROM deliveries');
    assert.deepEqual(cut, [{ status: 'importing' }]);
    const kept = Number((await pgRows(cluster.url, 'SELECT count(*) AS n FROM entries'))[0]!['n']);
    assert.ok(kept > 0 && kept < files.bigEntries - 10_000, `${kept} entries after the kill`);
    assert.equal(Number((await pgRows(cluster.url, 'SELECT sum(entry_count) AS n FROM rooms'))[0]!['n']), kept);

    const rerun = await omv(['import', '--store', cluster.url, files.big]);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(
      rerun.stdout,
      new RegExp(`^new {8}.*big\\.xml: ${files.bigEntries} entries \\(${files.bigEntries - 10_000 - kept} new\\)\\n1 files: 1 new`),
    );
    // The same entries in the same order as one import into SQLite (ids drawn by the killed batch are not reused).
    const content = (rows: Record<string, unknown>[]) => rows.map(({ id: _id, ...rest }) => rest);
    assert.deepEqual(content(await pgRows(cluster.url, SAME.entries)), content(sqliteRows(sqlitePath, SAME.entries)));
    for (const what of ['rooms', 'users', 'activity'] as const)
      assert.deepEqual(await pgRows(cluster.url, SAME[what]), sqliteRows(sqlitePath, SAME[what]), what);
    assert.deepEqual(await pgRows(cluster.url, 'SELECT id, status, entry_count FROM deliveries'), [
      { id: 1, status: 'stored', entry_count: files.bigEntries },
    ]);
    const check = await omv(['check', '--store', cluster.url]);
    assert.equal(check.code, 0, check.stdout);
  },
);

test('omv import --store leaves a file another omv is importing now to it, and completes it once that one has gone', { skip }, async () => {
  const cluster = await startPostgres();
  const dir = tempDir();
  const file = join(dir, 'claimed.xml');
  const lines = Array.from({ length: 40 }, (_, i) => ({ ts: Date.UTC(2025, 2, 1) + i, user: `u${i % 3}`, content: `claimed ${i}` }));
  writeFileSync(file, messagesXml({ lobby: lines }));
  // The delivery another import made, and holds while it runs: its session's claim.
  const store = await openPgEngine(cluster.url);
  const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  const meta = { source: 'import' as const, function: null, domainId: '', type: null, callId: null, receivedAt: Date.now(), payload: null };
  const { deliveryId } = await startImport(pool, { ...meta, payloadSize: readFileSync(file).length, sha256, filePath: file });
  const other = await claimImport(pool, deliveryId);
  assert.ok(other);
  try {
    const refused = await omv(['import', '--store', cluster.url, file]);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /^failed +.*claimed\.xml: another omv is importing this file into this database now/m);
    assert.equal(await store.reads.countEntries({}), 0, 'nothing written beside it');
  } finally {
    await other.release();
    await pool.end();
  }
  const completed = await omv(['import', '--store', cluster.url, file]);
  assert.equal(completed.code, 0, completed.stdout + completed.stderr);
  assert.equal(await store.reads.countEntries({}), 40);
  const row = await store.reads.delivery(deliveryId);
  assert.deepEqual([row?.status, row?.new_entries], ['stored', 40]);
  await store.close();
});
