// What moderators add to the data, through the store and the command line: tags (one at a time or
// every hit of a search), notes, review marks, one query language (tag: has:note status:unreviewed
// in omv search and omv export), watchlists that look forward, saved searches that count what is
// new, export manifests that name the exact bytes, and a purge that keeps what must stay.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { importFile } from '../main/intake/fileImport.js';
import { verifyAudit } from '../main/store/audit.js';
import { checkDatabase } from '../main/store/check.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { addNote } from '../main/store/notes.js';
import { setReportStatus } from '../main/store/reports.js';
import { purgeBefore } from '../main/retention/purge.js';
import { markRoomReviewed } from '../main/store/roomReview.js';
import { listSavedSearches, openSavedSearch, saveSearch } from '../main/store/savedSearches.js';
import { tagAllMatching, undoTagAll } from '../main/api/bulkTagging.js';
import { readsOnThisThread } from '../main/api/readCalls.js';
import { createTag, listTags, MAX_TAGS, setTagHold, tagTargets } from '../main/store/tags.js';
import { addWatchTerms, findWatchHits, listWatchTerms, sqliteWatchRecords, termsToMatch, watchlistText } from '../main/store/watchlist.js';
import { checkExistingEntries, matchNewEntries } from '../main/api/watchAlerts.js';
import { omv } from './support/cli.js';
import { ABUSE_CONVERSATION_XML, messagesXml, type EntrySpec } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const DAY = 86_400_000;
const BASE = Date.UTC(2025, 0, 1);

async function load(db: Db, rooms: Record<string, EntrySpec[]>, name: string): Promise<void> {
  const file = join(tempDir(), `${name}.xml`);
  writeFileSync(file, messagesXml(rooms, { callID: name }));
  await importFile(db, file, { domainId: 'example.com' });
}

const idsOf = (db: Db, sql: string, ...args: unknown[]) =>
  db
    .prepare(sql)
    .pluck()
    .all(...args) as number[];

async function deskWithChat() {
  const dir = tempDir();
  const path = join(dir, 'omv.sqlite');
  const db = openDatabase(path);
  await load(
    db,
    {
      lobby: Array.from({ length: 10 }, (_, i) => ({
        ts: BASE + i * DAY,
        user: `u${i % 3}`,
        content: i % 2 ? `you are a scammer ${i}` : `hello there ${i}`,
      })),
      games: [{ ts: BASE + 5 * DAY + 1, user: 'gamer', content: 'good game' }],
    },
    'chat',
  );
  return { dir, path, db };
}

test('tags: the default group, own tags with colours, a selection or every hit of a search, and tag: everywhere', async () => {
  const { path, db } = await deskWithChat();
  assert.deepEqual(
    listTags(db).map((t) => t.name),
    ['harassment', 'needs-escalation', 'self-harm', 'spam', 'threat'],
  );
  createTag(db, { name: 'fraud', colour: '#aa3300', hold: false }, 'mod-anna');
  assert.throws(() => createTag(db, { name: 'fraud', colour: '#aa3300' }, 'mod-anna'), /there is a tag "fraud" already/);
  assert.throws(() => createTag(db, { name: 'x y', colour: 'red' }, 'mod-anna'), /a tag name is 1 to 40/);
  const scams = idsOf(db, "SELECT id FROM entries WHERE content LIKE '%scammer%' ORDER BY id");
  assert.equal(scams.length, 5);
  // Every hit of a search, in one action: exactly the hits.
  const tagAll = async () => (await tagAllMatching(db, readsOnThisThread(db), 'fraud', { text: 'scammer' }, 'mod-anna')).tagged;
  assert.equal(await tagAll(), 5);
  assert.equal(await tagAll(), 0, 'tagging again changes nothing');
  assert.equal(tagTargets(db, 'spam', 'entry', [scams[0]!], 'mod-anna'), 1);
  db.close();

  const search = await omv(['search', '--db', path, 'tag:fraud scammer']);
  assert.equal(search.code, 0, search.stderr);
  assert.equal(
    search.stdout
      .trim()
      .split('\n')
      .filter((line) => /scammer/.test(line)).length,
    5,
  );
  const exported = await omv(['export', '--db', path, '--query', 'tag:spam']);
  assert.equal(exported.stdout.trim().split('\r\n').length, 2, exported.stdout);
  assert.match(exported.stdout, /you are a scammer 1/);
  const bad = await omv(['search', '--db', path, 'has:nothing x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /has: takes note, not "nothing"/);
});

test('notes and review marks: has:note and status:unreviewed select the same entries in the store and the CLI', async () => {
  const { path, db } = await deskWithChat();
  const [first] = idsOf(db, "SELECT id FROM entries WHERE content = 'hello there 0'");
  addNote(db, 'entry', first!, 'asked for a phone number in DMs', 'mod-anna');
  assert.throws(() => addNote(db, 'entry', first!, '   ', 'mod-anna'), /a note needs some text/);
  markRoomReviewed(db, 'lobby', 'mod-anna', BASE + 6 * DAY);
  db.close();
  const noted = await omv(['export', '--db', path, '--query', 'has:note', '--with-review']);
  const lines = noted.stdout.trim().split('\r\n');
  assert.equal(
    lines[0],
    'entry_id,time_utc,timestamp_ms,domain_id,room,type,user_id,display_name,invisible,content,source,call_id,tags,notes,review_status',
  );
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /,hello there 0,import,chat,,asked for a phone number in DMs,reviewed$/);
  // Unreviewed: the lobby after its mark (3 entries) and all of games (never reviewed).
  const unreviewed = await omv(['export', '--db', path, '--query', 'status:unreviewed']);
  assert.deepEqual(
    unreviewed.stdout
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[9]),
    ['good game', 'you are a scammer 7', 'hello there 8', 'you are a scammer 9'],
  );
  const plain = await omv(['export', '--db', path]);
  assert.equal(
    plain.stdout.split('\r\n')[0],
    'entry_id,time_utc,timestamp_ms,domain_id,room,type,user_id,display_name,invisible,content,source,call_id',
  );
});

test('a watchlist looks forward: new entries that match raise alerts; existing ones only when asked; it reads and writes one term a line', async () => {
  const { db } = await deskWithChat();
  assert.deepEqual(addWatchTerms(db, '# our list\nscam*\n\n"meet me"\nscam*\n', 'mod-anna'), ['scam*', '"meet me"']);
  assert.throws(() => addWatchTerms(db, '-scam', 'mod-anna'), /add a word to look for/);
  assert.equal(watchlistText(db), '"meet me"\nscam*\n');
  assert.equal((await matchNewEntries(db, readsOnThisThread(db))).found, 0, 'what was stored before the terms is not matched');
  await load(
    db,
    {
      lobby: [
        { ts: BASE + 20 * DAY, user: 'x', content: 'a scammer again' },
        { ts: BASE + 20 * DAY + 1, user: 'y', content: 'meet me outside' },
      ],
    },
    'later',
  );
  assert.deepEqual(await matchNewEntries(db, readsOnThisThread(db)), { found: 2, terms: ['scam*', '"meet me"'], more: false });
  assert.deepEqual(
    listWatchTerms(db).map((t) => [t.term, t.matches]),
    [
      ['"meet me"', 1],
      ['scam*', 1],
    ],
  );
  assert.equal(await checkExistingEntries(db, readsOnThisThread(db), 'mod-anna'), 5, 'the five earlier scammer messages');
  db.close();
});

test('a saved search counts the matches that arrived since it was last opened', async () => {
  const { db } = await deskWithChat();
  const saved = saveSearch(db, 'scams in the lobby', 'scammer in:lobby', 'mod-anna');
  assert.equal(saved.newMatches, 0);
  await load(
    db,
    {
      lobby: [{ ts: BASE + 30 * DAY, user: 'z', content: 'scammer scammer' }],
      games: [{ ts: BASE + 30 * DAY, user: 'z', content: 'scammer in games' }],
    },
    'more',
  );
  assert.deepEqual(
    listSavedSearches(db).map((s) => [s.name, s.newMatches]),
    [['scams in the lobby', 1]],
  );
  assert.equal(openSavedSearch(db, saved.id, 'mod-anna'), 'scammer in:lobby');
  assert.equal(listSavedSearches(db)[0]!.newMatches, 0);
  assert.throws(() => saveSearch(db, 'broken', 'after:someday x', 'mod-anna'), /after: "someday" is not a date/);
  db.close();
});

test('omv export --out writes FILE.manifest.json: the query, rows, times, the SHA-256 of the file, and the audit row that recorded it', async () => {
  const { dir, path, db } = await deskWithChat();
  db.close();
  const out = join(dir, 'evidence.csv');
  const exported = await omv(['export', '--db', path, '--out', out, '--query', 'scammer in:lobby'], {
    env: { ...process.env, OMV_MODERATOR: 'mod-anna' },
  });
  assert.equal(exported.code, 0, exported.stderr);
  const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, 'utf8')) as Record<string, unknown>;
  assert.equal(manifest['sha256'], createHash('sha256').update(readFileSync(out)).digest('hex'));
  assert.equal(manifest['rows'], 5);
  assert.equal(manifest['query'], 'scammer in:lobby');
  assert.deepEqual(manifest['filter'], { inRoom: 'lobby', text: 'scammer' });
  assert.equal(manifest['firstEntryTime'], new Date(BASE + DAY).toISOString());
  assert.equal(manifest['lastEntryTime'], new Date(BASE + 9 * DAY).toISOString());
  assert.equal(manifest['moderator'], 'mod-anna');
  assert.equal(manifest['file'], 'evidence.csv');
  assert.match(String(manifest['omvVersion']), /^\d+\.\d+\.\d+/);
  const audit = await omv(['audit', '--db', path, 'list']);
  assert.match(
    audit.stdout,
    new RegExp(`^${String(manifest['auditRow'])}\\t.*\\tmod-anna\\texport\\t.*"sha256":"${String(manifest['sha256'])}"`, 'm'),
  );
  assert.equal((await omv(['audit', '--db', path, 'verify'])).stdout, 'audit chain intact: 2 rows\n');
});

test('omv purge removes what is older than the date, keeps held entries and open reports, and leaves the database consistent', async () => {
  const { path, db } = await deskWithChat();
  // A report quoting a lobby message from day 0 of another room, and an old held entry.
  const reportFile = join(tempDir(), 'abuse.xml');
  writeFileSync(reportFile, ABUSE_CONVERSATION_XML, 'latin1');
  const before = BASE + 5 * DAY;
  const [heldId] = idsOf(db, "SELECT id FROM entries WHERE content = 'hello there 2'");
  createTag(db, { name: 'legal-hold', colour: '#000000', hold: true }, 'mod-anna');
  tagTargets(db, 'legal-hold', 'entry', [heldId!], 'mod-anna');
  setTagHold(db, 'legal-hold', true, 'mod-anna');
  db.close();
  const imported = await omv(['import', '--db', path, '--domain', 'example.com', reportFile]);
  assert.equal(imported.code, 0, imported.stderr);

  const dry = await omv(['purge', '--db', path, '--before', new Date(before).toISOString(), '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(
    dry.stdout,
    `would remove 4 entries older than ${new Date(before).toISOString()}; kept 1 under a hold, 1 quoted by open reports\n`,
  );
  const reopened = openDatabase(path);
  assert.equal(reopened.prepare('SELECT count(*) FROM entries').pluck().get(), 12, 'a dry run removes nothing');
  reopened.close();

  const purged = await omv(['purge', '--db', path, '--before', new Date(before).toISOString()]);
  assert.match(
    purged.stdout,
    /^removed 4 entries older than .*; kept 1 under a hold, 1 quoted by open reports \(audit row \d+\)\nforgotten: /,
  );
  const after = openDatabase(path);
  assert.deepEqual(after.prepare('SELECT content FROM entries ORDER BY ts').pluck().all(), [
    'this is my message',
    'hello there 2',
    'you are a scammer 5',
    'good game',
    'hello there 6',
    'you are a scammer 7',
    'hello there 8',
    'you are a scammer 9',
  ]);
  // The index, the rooms' counts and the hourly activity agree with what is left.
  const check = checkDatabase(after);
  assert.ok(check.ok, check.lines.join('\n'));
  assert.equal(after.prepare("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'hello'").pluck().get(), 3);
  assert.equal(verifyAudit(after).intact, true);
  // Once the report is decided, its messages can go.
  setReportStatus(after, { id: 1, to: 'dismissed', reason: 'old', moderator: 'mod-anna' });
  after.close();
  assert.match((await omv(['purge', '--db', path, '--before', new Date(before).toISOString()])).stdout, /^removed 1 entries/);
});

test('a hold on a user or a room keeps all their entries from a purge', async () => {
  const { db } = await deskWithChat();
  createTag(db, { name: 'case-7', colour: '#112233', hold: true }, 'mod-anna');
  const userId = db.prepare<[string], number>('SELECT id FROM users WHERE user_id = ?').pluck().get('u1')!;
  const gamesId = db.prepare<[string], number>('SELECT id FROM rooms WHERE name = ?').pluck().get('games')!;
  tagTargets(db, 'case-7', 'user', [userId], 'mod-anna');
  tagTargets(db, 'case-7', 'room', [gamesId], 'mod-anna');
  const result = await purgeBefore(db, BASE + 100 * DAY, { moderator: 'mod-anna' });
  assert.deepEqual(
    db
      .prepare(
        'SELECT DISTINCT coalesce(u.user_id, r.name) FROM entries e JOIN rooms r ON r.id = e.room_id LEFT JOIN users u ON u.id = e.user_id ORDER BY 1',
      )
      .pluck()
      .all(),
    ['gamer', 'u1'],
  );
  assert.equal(result.held, 4);
  assert.equal(result.removed, 7);
  db.close();
});

test('a desk keeps at most 1,000 tags: a flood of them (a script, a mistake) is refused with why, and each answer is the new tag alone', async () => {
  const { db } = await deskWithChat();
  const builtin = listTags(db).length;
  for (let i = builtin; i < MAX_TAGS; i++) {
    const made = createTag(db, { name: `t${i}`, colour: '#112233' }, 'mod-anna');
    assert.equal(made.name, `t${i}`);
  }
  assert.equal(listTags(db).length, MAX_TAGS);
  assert.throws(() => createTag(db, { name: 'one-too-many', colour: '#112233' }, 'mod-anna'), /at most 1,000 tags/);
  assert.equal(listTags(db).length, MAX_TAGS, 'nothing was added');
  db.close();
});

test('a tag or note on an id that names nothing is refused, and does not stick to what later gets that id', async () => {
  const { db } = await deskWithChat();
  createTag(db, { name: 'legal-hold', colour: '#000000', hold: true }, 'mod-anna');
  const next = db.prepare<[], number>('SELECT max(id) + 1 FROM entries').pluck().get()!;
  assert.throws(() => tagTargets(db, 'legal-hold', 'entry', [next, next + 1, next + 2], 'mod-anna'), /there is no entry/);
  assert.throws(() => addNote(db, 'entry', next, 'keep this', 'mod-anna'), /there is no entry/);
  await load(db, { lobby: [{ ts: BASE + 40 * DAY, user: 'late', content: 'arrived after' }] }, 'later');
  assert.equal(db.prepare('SELECT count(*) FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE t.hold = 1').pluck().get(), 0);
  assert.equal(db.prepare('SELECT count(*) FROM notes').pluck().get(), 0);
  db.close();
});

test('after a purge took the newest entries, SQLite hands their ids out again: what arrives then is still new to the watchlist and to saved searches', async () => {
  const { db } = await deskWithChat();
  addWatchTerms(db, 'scam*', 'mod-anna');
  saveSearch(db, 'scams', 'scam*', 'mod-anna');
  await load(db, { lobby: [{ ts: BASE + 20 * DAY, user: 'x', content: 'a scammer late' }] }, 'late');
  assert.deepEqual(await matchNewEntries(db, readsOnThisThread(db)), { found: 1, terms: ['scam*'], more: false });
  openSavedSearch(db, listSavedSearches(db)[0]!.id, 'mod-anna');
  const newest = idsOf(db, 'SELECT max(id) FROM entries')[0]!;
  // Everything before day 30 goes: the newest ids with it, so the next entry's id is one of theirs again.
  await purgeBefore(db, BASE + 30 * DAY, { moderator: 'mod-anna' });
  await load(db, { lobby: [{ ts: BASE + 40 * DAY, user: 'x', content: 'a scammer after the purge' }] }, 'after');
  assert.ok(idsOf(db, 'SELECT max(id) FROM entries')[0]! <= newest, 'an id handed out again');
  assert.deepEqual(await matchNewEntries(db, readsOnThisThread(db)), { found: 1, terms: ['scam*'], more: false });
  assert.deepEqual(
    listSavedSearches(db).map((s) => [s.name, s.newMatches]),
    [['scams', 1]],
  );
  db.close();
});

test('a watch round a purge overtook is not written (SQLite): its hits may name ids that new entries took; the next round matches them', async () => {
  const { db } = await deskWithChat();
  addWatchTerms(db, 'scam*', 'mod-anna');
  // An archive of older messages comes last: the newest ids, the oldest times.
  await load(db, { lobby: [{ ts: BASE - 20 * DAY, user: 'x', content: 'a scammer from the archive' }] }, 'late');
  // A round reads what is new and finds its hits on the read side…
  const records = sqliteWatchRecords(db);
  const round = await records.unmatched();
  const hits = findWatchHits(db, termsToMatch(db), round.ranges[0]!.after, round.ranges[0]!.upTo);
  assert.equal(hits.length, 1);
  // …while a purge takes the newest entries, and a new one takes the id of the one it found.
  await purgeBefore(db, BASE, { moderator: 'mod-anna' });
  await load(db, { lobby: [{ ts: BASE + 40 * DAY, user: 'x', content: 'no scam here, just a word' }] }, 'after');
  assert.equal(idsOf(db, 'SELECT max(id) FROM entries')[0], hits[0]![1], 'the id the round found is the new entry’s now');
  assert.deepEqual(await records.recordWatchHits(hits, round), { found: 0, terms: [], stale: true });
  assert.deepEqual(await matchNewEntries(db, readsOnThisThread(db)), { found: 1, terms: ['scam*'], more: false });
  assert.deepEqual(idsOf(db, 'SELECT e.content FROM watch_matches m JOIN entries e ON e.id = m.entry_id'), ['no scam here, just a word']);
  db.close();
});

test('migrating a SQLite file an older purge left with marks above its newest entry brings them down to it', async () => {
  const { path, db } = await deskWithChat();
  addWatchTerms(db, 'scam*', 'mod-anna');
  saveSearch(db, 'scams', 'scam*', 'mod-anna');
  // As an older omv's purge of the newest entries left them: every mark past the entries there are.
  db.exec(`UPDATE settings SET value = '500' WHERE key = 'watch_checked_to'; UPDATE watch_terms SET after_entry_id = 500;
           UPDATE saved_searches SET seen_entry_id = 500; PRAGMA user_version = 410`);
  db.close();
  const again = openDatabase(path);
  assert.deepEqual(
    again
      .prepare(
        "SELECT (SELECT value FROM settings WHERE key = 'watch_checked_to') AS checked, (SELECT after_entry_id FROM watch_terms) AS term, (SELECT seen_entry_id FROM saved_searches) AS seen",
      )
      .get(),
    { checked: '11', term: 11, seen: 11 },
  );
  again.close();
});

test('a "tag all" whose part fails (another process holds the file) ends its batch with what it tagged, told as finished, and it can be undone', async () => {
  const path = join(tempDir(), 'busy.sqlite');
  const db = openDatabase(path, { busyTimeoutMs: 200 });
  await load(db, { flood: Array.from({ length: 3000 }, (_, i) => ({ ts: BASE + i, user: `u${i % 7}`, content: `flood ${i}` })) }, 'flood');
  createTag(db, { name: 'flood', colour: '#123456', hold: false }, 'mod-anna');
  // Another connection (a thread of its own, as another process would be) takes the file's write lock
  // after the first part, and holds it 3 s: well past the second part's wait (0.2 s), and released before the ending's last try (7 s).
  const locked = new Int32Array(new SharedArrayBuffer(4));
  const holder = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const db = new (require(workerData.module))(workerData.path, { timeout: 5000 });
     parentPort.once('message', () => {
       db.exec('BEGIN IMMEDIATE');
       Atomics.store(workerData.locked, 0, 1);
       Atomics.notify(workerData.locked, 0);
       setTimeout(() => { db.exec('ROLLBACK'); db.close(); parentPort.postMessage('released'); }, 3000);
     });`,
    { eval: true, workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path, locked } },
  );
  const released = new Promise((resolve) => holder.once('message', resolve));
  const told: Array<[number, boolean]> = [];
  await assert.rejects(
    tagAllMatching(db, readsOnThisThread(db), 'flood', { room: 'flood' }, 'mod-anna', (batch, done) => {
      told.push([batch.tagged, done]);
      if (told.length === 1) {
        holder.postMessage('lock');
        Atomics.wait(locked, 0, 0, 10_000);
      }
    }),
    /database is locked/,
  );
  await released;
  await holder.terminate();
  assert.deepEqual(told, [
    [2000, false],
    [2000, true],
  ]);
  const batch = db.prepare('SELECT id, tagged, planned, finished_at IS NOT NULL AS finished FROM tag_batches').get() as { id: number };
  assert.deepEqual(batch, { id: batch.id, tagged: 2000, planned: 3000, finished: 1 });
  assert.deepEqual(await undoTagAll(db, batch.id, 'mod-anna'), { tag: 'flood', removed: 2000 });
  db.close();
});
