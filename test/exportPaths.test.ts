// The export's fast paths against what they must equal: an export of a search writes the search's
// hits in time order (driven from the full-text index, whatever order the entries arrived in), the
// CSV made from raw rows is byte for byte the CSV made from records, and the bytes that leave the
// export's thread are the bytes it wrote, however long the stream they go to holds on to them.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { before, test } from 'node:test';
import { csvRow } from '../shared/csv.js';
import { EXPORT_COLUMNS, exportValues } from '../shared/entryRecord.js';
import { parseSearch } from '../shared/searchQuery.js';
import { SNIPPET_MARKS } from '../shared/api.js';
import { exportInWorker, writeEntries } from '../main/export/entryExport.js';
import { recordExport } from '../main/export/manifest.js';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { countEntries, where, whereSql } from '../main/store/entryQuery.js';
import { allEntries } from '../main/store/entryStream.js';
import { searchEntries } from '../main/store/entrySearch.js';
import { messagesXml, type EntrySpec } from './support/payloads.js';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { random } from './support/synthetic.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir();
const dbPath = join(dir, 'omv.sqlite');
let db: Db;

/** Content a spreadsheet or a CSV reader must not be fooled by, and words to search for. */
const HOSTILE = ['=1+1 hello', '+SUM(A1) hello', '-2 hello', '@cmd hello', '\thello tab', 'hello "quoted", comma', 'hello\r\nnew line', ''];

before(async () => {
  db = openDatabase(dbPath);
  // A big file first, then entries older than all of it: their ids are higher, their times lower,
  // so id order and time order disagree (a search driven by rowid must still come out in time order).
  const big = join(dir, 'big.xml');
  await writeSyntheticFile(big, { entries: 30_000, rooms: 7, seed: 5, start: Date.UTC(2024, 5, 1) });
  await importFile(db, big);
  const next = random(9);
  const rooms: Record<string, EntrySpec[]> = { lobby: [], 'room-2': [], '=evil,room': [] };
  for (let i = 0; i < 600; i++) {
    const room = Object.keys(rooms)[i % 3]!;
    rooms[room]!.push({
      ts: Date.UTC(2023, 0, 1) + Math.floor(next() * 1e9),
      user: i % 5 === 0 ? '-dash user' : `user_${i % 13}`,
      invisible: i % 7 === 0 ? 'true' : 'false',
      displayName: i % 4 === 0 ? `"Name", ${i}` : undefined,
      content: i % 10 === 9 ? undefined : `${HOSTILE[i % HOSTILE.length]} ${i}`,
      type: i % 10 === 9 ? 'join' : 'msg',
    });
  }
  const older = join(dir, 'older.xml');
  writeFileSync(older, messagesXml(rooms, { callID: '=older' }));
  await importFile(db, older);
});

/** A writable that collects what it is given as text. */
function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(out, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/** The entry ids of a CSV export, in order (the first cell of every record; records may span lines). */
function csvIds(csv: string): number[] {
  return [...csv.matchAll(/(?:^|\r\n)(\d+),\d{4}-/g)].map((match) => Number(match[1]));
}

test('an export of a search writes exactly the search’s hits, in time order, whatever order they arrived in', async () => {
  for (const query of [
    'hello',
    'the',
    'hello in:lobby',
    'hello -quoted',
    'kar*',
    'hello from:"-dash user"',
    'hello type:msg after:2023-01-05',
  ]) {
    const { filter } = parseSearch(query);
    // Every match, in time order, the plain way: each entry in time order, checked against the set of matches.
    const { clauses, params } = where(db, filter);
    const expected = db
      .prepare<Record<string, unknown>, number>(`SELECT e.id FROM entries e ${whereSql(clauses)} ORDER BY e.ts, e.id`)
      .pluck()
      .all(params);
    assert.ok(expected.length > 0, `${query} finds something`);
    const out = collector();
    const rows = await writeEntries(db, filter, out);
    const ids = csvIds(out.text());
    assert.equal(ids.length, rows, query);
    assert.equal(countEntries(db, filter), rows, `${query}: the total said before the first row`);
    assert.deepEqual(ids, expected, query);
    // The desk's search shows the newest of the same hits (at most 1,000 of them).
    const found = searchEntries(db, filter, 1000, SNIPPET_MARKS);
    assert.deepEqual(
      ids.slice(-found.hits.length),
      found.hits.map((hit) => hit.id).reverse(),
      `${query}: the search's page is the newest of the export's rows`,
    );
  }
});

test('the CSV made from raw rows is byte for byte the CSV made from each entry’s record', async () => {
  for (const filter of [{}, { room: '=evil,room' }, { text: 'hello' }]) {
    for (const neutraliseFormulas of [true, false]) {
      const out = collector();
      await writeEntries(db, filter, out, { neutraliseFormulas });
      let expected = csvRow(EXPORT_COLUMNS, false);
      for (const entry of allEntries(db, filter)) expected += csvRow(exportValues(entry), neutraliseFormulas);
      assert.equal(out.text(), expected, JSON.stringify({ filter, neutraliseFormulas }));
    }
  }
});

test('an export through its thread arrives whole to a stream that holds on to what it is given', async () => {
  // A stream that answers at once but reads what it was given only later, as a Transform passing
  // chunks on to a file does: what it holds must still be what was sent (the export's shared
  // memory is the thread's to reuse once the stream has answered).
  const held: Uint8Array[] = [];
  const holding = new Writable({
    write(chunk: Uint8Array, _encoding, done) {
      held.push(chunk);
      done();
    },
  });
  const rows = await exportInWorker(dbPath, {}, holding);
  const plain = collector();
  await writeEntries(db, {}, plain);
  assert.ok(plain.text().length > 4 * 256 * 1024, 'more than the export thread’s shared memory holds at once');
  assert.equal(rows, countEntries(db, {}));
  const received = Buffer.concat(held).toString('utf8');
  assert.equal(received.length, plain.text().length);
  assert.ok(received === plain.text(), 'the bytes received are the bytes written, in order');
});

test('an export through its thread says its total before its rows, when asked', async () => {
  const totals: number[] = [];
  const rows = await exportInWorker(dbPath, parseSearch('hello').filter, collector(), { onTotal: (total) => totals.push(total) });
  assert.deepEqual(totals, [rows]);
});

test('an export names each entry’s user as the users table does, however many users there are (they are read a block of ids at a time)', () => {
  const users = db.prepare<[], number>('SELECT count(*) FROM users').pluck().get()!;
  assert.ok(users > 2 * 256, `users spanning blocks of 256 ids: ${users}`);
  const expected = db
    .prepare<[], [number, string | null]>('SELECT e.id, u.user_id FROM entries e LEFT JOIN users u ON u.id = e.user_id ORDER BY e.ts, e.id')
    .raw(true)
    .all();
  const exported = [...allEntries(db, {})].map((entry): [number, string | null] => [entry.id, entry.userId]);
  assert.equal(exported.length, expected.length);
  assert.deepEqual(exported, expected);
});

test('an export’s manifest names the times of its first and last entries, with a filter and without', () => {
  const details = { format: 'csv', query: null, withReview: false, moderator: 'test', ids: 'real', rows: 1 } as const;
  for (const filter of [{}, { room: 'lobby' }, { type: 'join', to: Date.UTC(2024, 0, 1) }]) {
    const { clauses, params } = where(db, filter);
    const [first, last] = db
      .prepare<Record<string, unknown>, number>(`SELECT e.ts FROM entries e ${whereSql(clauses)} ORDER BY e.ts`)
      .pluck()
      .all(params)
      .filter((_, i, all) => i === 0 || i === all.length - 1);
    assert.ok(first !== undefined && last !== undefined && first < last, JSON.stringify(filter));
    const manifest = recordExport(db, 'entries.csv', '0'.repeat(64), { ...details, filter });
    assert.equal(manifest.firstEntryTime, new Date(first!).toISOString(), JSON.stringify(filter));
    assert.equal(manifest.lastEntryTime, new Date(last!).toISOString(), JSON.stringify(filter));
  }
});
