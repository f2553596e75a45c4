// What a moderator's day needs from the store, each over a real SQLite file with data imported as
// the vendor sends it: who was there at an entry (rosters, joins, leaves, messages, the messenger's
// connection lists), the connection lists themselves, undoing a "tag all" and a review mark
// (exactly, audited), a user's record, rooms a purge emptied, report descriptions found by text,
// and the user IDs a 1:1 room's name holds.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tagAllMatching, undoTagAll } from '../main/api/bulkTagging.js';
import { readsOnThisThread } from '../main/api/readCalls.js';
import { checkExistingEntries } from '../main/api/watchAlerts.js';
import { importFile } from '../main/intake/fileImport.js';
import { purgeBefore } from '../main/retention/purge.js';
import { listAudit, verifyAudit } from '../main/store/audit.js';
import { connectionSnapshot, listConnectionSnapshots } from '../main/store/connectionSnapshots.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { addNote } from '../main/store/notes.js';
import { listRooms } from '../main/store/overview.js';
import { presenceAt } from '../main/store/presence.js';
import { listReports, setReportStatus } from '../main/store/reports.js';
import { markRoomReviewed, undoRoomReview } from '../main/store/roomReview.js';
import { tagTargets } from '../main/store/tags.js';
import { userRecord } from '../main/store/userRecord.js';
import { addWatchTerms } from '../main/store/watchlist.js';
import { ABUSE_CONVERSATION_XML, messagesXml, type EntrySpec } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const MINUTE = 60_000;

async function load(db: Db, name: string, xml: string): Promise<void> {
  const file = join(tempDir(), `${name}.xml`);
  writeFileSync(file, xml);
  const result = await importFile(db, file, { domainId: 'example.com' });
  assert.equal(result.status, 'new', result.error);
}

const chat = (rooms: Record<string, EntrySpec[]>, name: string) => messagesXml(rooms, { callID: name });
const idOf = (db: Db, content: string) => db.prepare<[string], number>('SELECT id FROM entries WHERE content = ?').pluck().get(content)!;
const names = (people: Array<{ userId: string; how: string }>) => people.map((p) => `${p.userId} (${p.how})`).sort();

test("who was there: from the room's roster and its joins, leaves and messages; the messenger's connection list of the time", async () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  // Rosters are taken when they arrive (now): the room's history before them, and after.
  const now = Date.now();
  await load(
    db,
    'before',
    chat(
      {
        lobby: [
          { ts: now - 180 * MINUTE, user: 'alice', type: 'join' },
          { ts: now - 170 * MINUTE, user: 'bob', type: 'join' },
          { ts: now - 160 * MINUTE, user: 'carol', content: 'carol says hi' },
          { ts: now - 150 * MINUTE, user: 'bob', type: 'leave' },
          { ts: now - 120 * MINUTE, user: 'dave', content: 'dave arrives talking' },
        ],
        elsewhere: [{ ts: now - 119 * MINUTE, user: 'zed', content: 'not in the lobby' }],
      },
      'before',
    ),
  );
  const early = presenceAt(db, idOf(db, 'dave arrives talking'));
  assert.deepEqual(names(early.people), ['alice (joined)', 'carol (spoke)', 'dave (spoke)']);
  assert.equal(early.roster, null);
  assert.equal(early.eventsRead, 5);
  assert.equal(early.connections, null);
  // At carol's message bob was still in.
  assert.deepEqual(names(presenceAt(db, idOf(db, 'carol says hi')).people), ['alice (joined)', 'bob (joined)', 'carol (spoke)']);

  await load(
    db,
    'roster',
    `<rooms><room><name><![CDATA[lobby]]></name><users><user id="erin"/><user id="frank"/></users></room>
     <room><name><![CDATA[elsewhere]]></name><users><user id="zed"/></users></room></rooms>`,
  );
  await load(
    db,
    'connections',
    `<connectionList><server>im1.example.com</server><c><f type="m">erin</f><t>gina</t></c><c><f type="m">yuri</f><t>zoe</t></c></connectionList>`,
  );
  await load(
    db,
    'after',
    chat(
      {
        lobby: [
          { ts: now + 60 * MINUTE, user: 'frank', type: 'leave' },
          { ts: now + 120 * MINUTE, user: 'gina', content: 'gina after the roster' },
        ],
      },
      'after',
    ),
  );
  const late = presenceAt(db, idOf(db, 'gina after the roster'));
  assert.deepEqual(names(late.people), ['erin (roster)', 'gina (spoke)']);
  assert.equal(late.roster?.listed, 2);
  assert.equal(late.eventsRead, 2);
  assert.deepEqual(late.connections?.list, [{ fromKind: 'm', from: 'erin', to: 'gina' }]);
  assert.equal(late.connections?.server, 'im1.example.com');

  // The connection lists themselves, newest first, and each whole.
  const { snapshots, more } = listConnectionSnapshots(db);
  assert.equal(more, false);
  assert.deepEqual(
    snapshots.map((s) => s.kind),
    ['connections', 'rooms'],
  );
  const rooms = connectionSnapshot(db, 'rooms', snapshots[1]!.id);
  assert.deepEqual(rooms.kind === 'rooms' && rooms.rooms, [
    { name: 'lobby', userCount: 2, users: ['erin', 'frank'] },
    { name: 'elsewhere', userCount: 1, users: ['zed'] },
  ]);
  const connections = connectionSnapshot(db, 'connections', snapshots[0]!.id);
  assert.equal(connections.kind === 'connections' && connections.connections.length, 2);
  assert.throws(() => connectionSnapshot(db, 'rooms', 999), /no room roster 999/);
  db.close();
});

test('a "tag all" is undone exactly: its own links go, a tag put by hand before stays; audited; not twice', async () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  await load(
    db,
    'chat',
    chat(
      {
        lobby: Array.from({ length: 4500 }, (_, i) => ({
          ts: 1000 + i,
          user: `u${i % 3}`,
          content: `offer ${i % 2 ? 'scam' : 'ok'} ${i}`,
        })),
      },
      'chat',
    ),
  );
  const byHand = idOf(db, 'offer scam 1');
  tagTargets(db, 'spam', 'entry', [byHand], 'mod-anna');
  const progress: number[] = [];
  const batch = await tagAllMatching(db, readsOnThisThread(db), 'spam', { text: 'scam' }, 'mod-anna', (b) => progress.push(b.tagged));
  assert.equal(batch.planned, 2250);
  assert.equal(batch.tagged, 2249, 'the one tagged by hand was tagged already');
  assert.deepEqual(progress, [1999, 2249]);
  const links = () => db.prepare<[], number>("SELECT count(*) FROM tag_links WHERE target = 'entry'").pluck().get();
  assert.equal(links(), 2250);
  const removed: number[] = [];
  const undone = await undoTagAll(db, batch.id, 'mod-ben', (p) => removed.push(p.removed));
  assert.deepEqual(undone, { tag: 'spam', removed: 2249 });
  assert.deepEqual(removed, [2000, 2249]);
  assert.equal(links(), 1);
  assert.equal(
    db.prepare<[], number>("SELECT target_id FROM tag_links WHERE target = 'entry'").pluck().get(),
    byHand,
    'the tag put by hand stays',
  );
  await assert.rejects(undoTagAll(db, batch.id, 'mod-ben'), /was undone already/);
  await assert.rejects(undoTagAll(db, 999, 'mod-ben'), /no tagging 999/);
  const untagged = listAudit(db, { limit: 10 }).filter((row) => row.action === 'untagged');
  assert.deepEqual(
    untagged.map((row) => [row.moderator, row.details]),
    [['mod-ben', { tag: 'spam', target: 'entry', batch: batch.id, undo: true, links: 2249 }]],
  );
  assert.equal(verifyAudit(db).intact, true);
  db.close();
});

test('a review mark is undone to the mark it replaced, then to none; each audited; a third undo is refused', async () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  await load(
    db,
    'chat',
    chat({ lobby: Array.from({ length: 10 }, (_, i) => ({ ts: 1000 * (i + 1), user: 'u', content: `m${i}` })) }, 'chat'),
  );
  const mark = () => listRooms(db, '').find((r) => r.name === 'lobby')!;
  assert.equal(markRoomReviewed(db, 'lobby', 'mod-anna', 4000, 0).reviewedTo, 4000);
  assert.equal(mark().unreviewed, 6);
  assert.equal(markRoomReviewed(db, 'lobby', 'mod-anna', undefined, 1).reviewedTo, 10_000, 'up to the newest entry');
  assert.equal(mark().unreviewed, 0);
  assert.deepEqual(undoRoomReview(db, 'lobby', 'mod-ben'), { reviewedTo: 4000, undone: 10_000 });
  assert.deepEqual([mark().reviewedTo, mark().unreviewed], [4000, 6]);
  assert.deepEqual(undoRoomReview(db, 'lobby', 'mod-ben'), { reviewedTo: null, undone: 4000 });
  assert.deepEqual([mark().reviewedTo, mark().unreviewed], [null, 10]);
  assert.throws(() => undoRoomReview(db, 'lobby', 'mod-ben'), /no review mark to undo/);
  assert.deepEqual(
    listAudit(db, { limit: 10 })
      .filter((row) => row.action === 'reviewed' || row.action === 'review undone')
      .map((row) => [row.action, row.details]),
    [
      ['reviewed', { room: 'lobby', upTo: 4000, previous: null }],
      ['reviewed', { room: 'lobby', upTo: 10_000, previous: 4000 }],
      ['review undone', { room: 'lobby', undone: 10_000, restored: 4000 }],
      ['review undone', { room: 'lobby', undone: 4000, restored: null }],
    ],
  );
  db.close();
});

test("a user's record: reports against and by them with where each stands, tags and notes on them and their entries, watchlist matches", async () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  await load(db, 'report', ABUSE_CONVERSATION_XML); // 12345 reports 23456
  await load(
    db,
    'chat',
    chat(
      {
        lobby: [
          { ts: 2000, user: '23456', content: 'buy cheap pills now' },
          { ts: 3000, user: '23456', content: 'more pills' },
          { ts: 4000, user: '12345', content: 'stop it' },
        ],
      },
      'chat',
    ),
  );
  const [report] = listReports(db);
  setReportStatus(db, { id: report!.id, to: 'actioned', reason: 'spam confirmed', moderator: 'mod-anna' });
  const accused = db.prepare<[], number>("SELECT id FROM users WHERE user_id = '23456'").pluck().get()!;
  tagTargets(db, 'spam', 'user', [accused], 'mod-anna');
  addNote(db, 'user', accused, 'repeat offender', 'mod-anna');
  tagTargets(db, 'spam', 'entry', [idOf(db, 'buy cheap pills now'), idOf(db, 'more pills')], 'mod-anna');
  addNote(db, 'entry', idOf(db, 'more pills'), 'second time', 'mod-anna');
  addWatchTerms(db, 'pills', 'mod-anna');
  await checkExistingEntries(db, readsOnThisThread(db), 'mod-anna');

  const record = userRecord(db, '23456');
  assert.deepEqual(
    record.reportsAgainst.map((r) => [r.reporter, r.status]),
    [['12345', 'actioned']],
  );
  assert.deepEqual(record.reportsBy, []);
  assert.deepEqual(record.tags, ['spam']);
  assert.deepEqual(
    record.notes.map((n) => n.text),
    ['repeat offender'],
  );
  assert.deepEqual(record.entryTags, [{ tag: 'spam', entries: 2 }]);
  assert.equal(record.notedEntries, 1);
  assert.equal(record.watchMatches, 2);
  assert.deepEqual(record.recentMatches.map((m) => m.entry.content).sort(), ['buy cheap pills now', 'more pills']);
  const reporter = userRecord(db, '12345');
  assert.deepEqual(
    reporter.reportsBy.map((r) => r.accused),
    ['23456'],
  );
  assert.deepEqual([reporter.reportsAgainst, reporter.tags, reporter.watchMatches], [[], [], 0]);
  // Report descriptions and reasons are found by text, in any case, LIKE's own characters as text.
  assert.equal(listReports(db, { text: 'PIMP' }).length, 1);
  assert.equal(listReports(db, { text: 'offensive' }).length, 1);
  assert.equal(listReports(db, { text: '%' }).length, 0);
  assert.equal(listReports(db, { text: 'pimp', status: 'open' }).length, 0);
  db.close();
});

test('a room a purge emptied says it was purged and when; a room never purged says nothing of it', async () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  const old = Date.UTC(2020, 5, 1);
  const recent = Date.UTC(2024, 5, 1);
  await load(
    db,
    'chat',
    chat(
      {
        attic: [{ ts: old, user: 'u', content: 'long ago' }],
        kitchen: [
          { ts: old, user: 'u', content: 'old too' },
          { ts: recent, user: 'u', content: 'still here' },
        ],
        hall: [{ ts: recent, user: 'u', content: 'recent' }],
      },
      'chat',
    ),
  );
  const before = Date.UTC(2021, 0, 1);
  const started = Date.now();
  await purgeBefore(db, before, { moderator: 'mod-anna' });
  const rooms = new Map(listRooms(db, '').map((r) => [r.name, r]));
  assert.equal(rooms.get('attic')!.entries, 0);
  assert.equal(rooms.get('attic')!.purged?.before, before);
  assert.ok(rooms.get('attic')!.purged!.at >= started);
  assert.equal(rooms.get('kitchen')!.purged?.before, before);
  assert.equal(rooms.get('hall')!.purged, null);
  db.close();
});

test("a 1:1 room's name holds both user IDs: the room list names them, for pseudonyms to hide", async () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  await load(
    db,
    'chat',
    chat(
      {
        'alice_42 ↔ bob': [
          { ts: 1000, user: 'alice_42', content: 'hi bob' },
          { ts: 2000, user: 'bob', content: 'hi alice' },
        ],
        'room-7': [{ ts: 3000, user: 'carol', content: 'not named after anyone' }],
      },
      'chat',
    ),
  );
  const rooms = new Map(listRooms(db, '').map((r) => [r.name, r.nameUsers.sort()]));
  assert.deepEqual(rooms.get('alice_42 ↔ bob'), ['alice_42', 'bob']);
  assert.deepEqual(rooms.get('room-7'), []);
  db.close();
});
