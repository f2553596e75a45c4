import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { random } from './support/synthetic.js';
import { toFtsQuery, SearchSyntaxError } from '../shared/ftsQuery.js';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase } from '../main/store/db.js';
import { entryPage } from '../main/store/entryQuery.js';
import { allEntries } from '../main/store/entryStream.js';
import { searchEntries } from '../main/store/entrySearch.js';
import { messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

test('words are quoted, phrases kept, prefixes and exclusions translated', () => {
  assert.equal(toFtsQuery('hello world'), '"hello" "world"');
  assert.equal(toFtsQuery('"good morning" coffee*'), '"good morning" "coffee"*');
  assert.equal(toFtsQuery('cats -dogs -"hot dogs"'), '"cats" NOT "dogs" NOT "hot dogs"');
  assert.equal(toFtsQuery('say "hi'), '"say" "hi"');
  assert.equal(toFtsQuery('   '), null);
  assert.throws(() => toFtsQuery('-only'), SearchSyntaxError);
});

test('FTS5 syntax in the search text is only ever text: no query is an error', () => {
  const db = openDatabase(join(tempDir(), 'fts.sqlite'));
  db.prepare('INSERT INTO entries_fts (rowid, content) VALUES (1, \'AND OR NOT near content: x^y (a) {b} * "q"\')').run();
  const match = db.prepare('SELECT count(*) FROM entries_fts WHERE entries_fts MATCH ?').pluck();
  for (const text of [
    'AND',
    'OR NOT',
    'NEAR(a b)',
    'content:x',
    'x^y',
    '(a)',
    '{b}',
    '*',
    '"',
    '""',
    'a"b',
    "it's",
    '-',
    '--x y',
    'ünïcödé*',
    '😀',
  ]) {
    const query = toFtsQuery(text);
    if (query !== null) assert.doesNotThrow(() => match.get(query), text);
  }
  assert.equal(match.get(toFtsQuery('near')), 1);
  db.close();
});

test('hits come newest first by timestamp, whether a word is rare or common, with their own snippets', async () => {
  const dir = tempDir();
  // Received newest-first, so the order of arrival (rowid) is the reverse of the order in time.
  const entries = Array.from({ length: 2600 }, (_, i) => ({
    ts: 1_000_000 - i * 10,
    user: `u${i % 3}`,
    content: i % 1000 === 7 ? `rare word ${i}` : `common chatter ${i}`,
  }));
  writeFileSync(join(dir, 'many.xml'), messagesXml({ lobby: entries.slice(0, 1300), hall: entries.slice(1300) }));
  const db = openDatabase(join(dir, 'omv.sqlite'));
  await importFile(db, join(dir, 'many.xml'));
  const common = searchEntries(db, { text: 'common' }, 5, ['[', ']']);
  assert.deepEqual(
    common.hits.map((h) => h.timestamp),
    [1_000_000, 999_990, 999_980, 999_970, 999_960],
  );
  assert.equal(common.hits[1]!.snippet, '[common] chatter 1');
  assert.deepEqual([common.total, common.capped], [2597, false]);
  const rare = searchEntries(db, { text: 'rare' }, 5, ['[', ']']);
  assert.deepEqual(
    rare.hits.map((h) => h.snippet),
    ['[rare] word 7', '[rare] word 1007', '[rare] word 2007'],
  );
  const inHall = searchEntries(db, { text: 'common', room: 'hall', user: 'u1' }, 3, ['[', ']']);
  assert.deepEqual(
    inHall.hits.map((h) => [h.room, h.userId, h.timestamp]),
    [
      ['hall', 'u1', 1_000_000 - 1300 * 10 - 10 * ((1 - (1300 % 3) + 3) % 3)],
      ['hall', 'u1', 1_000_000 - 1300 * 10 - 10 * ((1 - (1300 % 3) + 3) % 3) - 30],
      ['hall', 'u1', 1_000_000 - 1300 * 10 - 10 * ((1 - (1300 % 3) + 3) % 3) - 60],
    ],
  );
  db.close();
});

test('search pages equal a plain newest-first query, whatever order entries arrived in and whatever the filter', async () => {
  const dir = tempDir();
  const next = random(7);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const entry = (ts: number) => {
    const words = [next() < 0.6 ? 'common' : 'filler', next() < 0.1 ? 'middling' : 'plain', next() < 0.01 ? 'scarce' : 'text', `n${ts}`];
    return { ts, user: pick(['u1', 'u2', 'u3', 'u4', 'u5']), content: words.join(' ') };
  };
  const byRoom = (specs: Array<{ ts: number; user: string; content: string }>) => {
    const rooms: Record<string, typeof specs> = { lobby: [], hall: [], den: [] };
    for (const spec of specs) rooms[pick(Object.keys(rooms))]!.push(spec);
    return rooms;
  };
  // First the newest messages, then a larger, older archive, then stragglers from any time: rowid
  // order agrees with time order only in part. More newest messages than a probe's walk checks one
  // by one (entrySearch.ts's WALK_LIMIT): the searches that would walk them take the plain ways.
  const files = [
    Array.from({ length: 12_000 }, (_, i) => entry(9_000_000 + i * 100)),
    Array.from({ length: 4000 }, (_, i) => entry(1_000_000 + i * 1000)),
    Array.from({ length: 600 }, () => entry(1_000_000 + Math.floor(next() * 8_200_000))),
  ];
  const db = openDatabase(join(dir, 'omv.sqlite'));
  for (const [i, specs] of files.entries()) {
    writeFileSync(join(dir, `${i}.xml`), messagesXml(byRoom(specs)));
    await importFile(db, join(dir, `${i}.xml`));
  }
  // The same filter, evaluated the slow, obvious way (the FTS5 expression is tested above).
  const reference = db
    .prepare<[string, string, string, string, string, number, number, number], number>(
      `SELECT e.id FROM entries e JOIN rooms r ON r.id = e.room_id JOIN users u ON u.id = e.user_id
     WHERE e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)
       AND (? = '' OR r.name = ?) AND (? = '' OR u.user_id = ?) AND e.ts BETWEEN ? AND ?
     ORDER BY e.ts DESC, e.id DESC LIMIT ?`,
    )
    .pluck();
  const snippetOf = db
    .prepare<[string, bigint], string>(
      "SELECT snippet(entries_fts, 0, '[', ']', '…', 24) FROM entries_fts WHERE entries_fts MATCH ? AND rowid = ?",
    )
    .pluck();
  const filters = [
    {},
    { room: 'hall' },
    { user: 'u3' },
    { to: 5_000_000 },
    { from: 2_000_000, to: 3_000_000 },
    { to: 9_050_000, room: 'den' },
    { from: 9_100_000 },
  ];
  let withHits = 0;
  for (const text of ['common', 'middling', 'scarce', 'common middling', '"filler plain"', 'mid*']) {
    for (const filter of filters) {
      for (const limit of [5, 50]) {
        const f = filter as { room?: string; user?: string; from?: number; to?: number };
        const expected = reference.all(
          toFtsQuery(text)!,
          f.room ?? '',
          f.room ?? '',
          f.user ?? '',
          f.user ?? '',
          f.from ?? -1e15,
          f.to ?? 1e15,
          limit,
        );
        const hits = searchEntries(db, { ...filter, text }, limit, ['[', ']']).hits;
        assert.deepEqual(
          hits.map((hit) => hit.id),
          expected,
          `${text} ${JSON.stringify(filter)} limit ${limit}`,
        );
        // Snippets are cut in walks over runs of the page's ids: each equals the row's own.
        for (const hit of hits)
          assert.equal(hit.snippet, snippetOf.get(toFtsQuery(text)!, BigInt(hit.id)), `snippet of ${hit.id} for ${text}`);
        if (expected.length > 0) withHits += 1;
      }
    }
  }
  // The comparisons compared something: most searches found hits (the rare word in a narrow range may not).
  assert.ok(withHits >= 70, `only ${withHits} of 84 searches found anything`);
  db.close();
});

test('timeline pages and exports inside a time range equal a plain query, from any position, in both directions', async () => {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'omv.sqlite'));
  // Several entries share each timestamp, so the id decides order within one.
  const specs = Array.from({ length: 900 }, (_, i) => ({ ts: 1000 + Math.floor(i / 3) * 10, user: `u${i % 4}`, content: `m${i}` }));
  writeFileSync(join(dir, 'a.xml'), messagesXml({ lobby: specs.filter((_, i) => i % 5 !== 0), hall: specs.filter((_, i) => i % 5 === 0) }));
  await importFile(db, join(dir, 'a.xml'));
  const after = db
    .prepare<[number, number, number, number, number], number>(
      'SELECT id FROM entries WHERE ts BETWEEN ? AND ? AND (ts, id) > (?, ?) ORDER BY ts, id LIMIT ?',
    )
    .pluck();
  const before = db
    .prepare<[number, number, number, number, number], number>(
      'SELECT id FROM entries WHERE ts BETWEEN ? AND ? AND (ts, id) < (?, ?) ORDER BY ts DESC, id DESC LIMIT ?',
    )
    .pluck();
  const all = db.prepare<[], { id: number; ts: number }>('SELECT id, ts FROM entries ORDER BY ts, id').all();
  const range = { from: 1500, to: 2500 };
  // Positions before, at the edges of, inside and after the range; a timestamp shared by several entries.
  const positions = [
    { timestamp: 0, id: 0 },
    ...[0, 149, 150, 151, 300, 449, 450, 451, 899].map((i) => ({ timestamp: all[i]!.ts, id: all[i]!.id })),
    { timestamp: 9e9, id: 0 },
  ];
  for (const position of positions) {
    const expectedAfter = after.all(range.from, range.to, position.timestamp, position.id, 40);
    assert.deepEqual(
      entryPage(db, range, 40, position, 'after').entries.map((e) => e.id),
      expectedAfter,
      `after ${JSON.stringify(position)}`,
    );
    const expectedBefore = before.all(range.from, range.to, position.timestamp, position.id, 40).reverse();
    assert.deepEqual(
      entryPage(db, range, 40, position, 'before').entries.map((e) => e.id),
      expectedBefore,
      `before ${JSON.stringify(position)}`,
    );
  }
  const exported = [...allEntries(db, range, 7)].map((e) => e.id);
  assert.deepEqual(exported, after.all(range.from, range.to, -1, 0, 1e9));
  assert.equal(exported.length, all.filter((e) => e.ts >= range.from && e.ts <= range.to).length);
  db.close();
});

test('the search language: filters and dates as the desk, omv search and omv export read them', async () => {
  const { parseSearch } = await import('../shared/searchQuery.js');
  assert.deepEqual(parseSearch('from:bob in:"the lobby" type:JOIN hello "good day"'), {
    filter: { user: 'bob', inRoom: 'the lobby', type: 'join', text: 'hello "good day"' },
    errors: [],
  });
  // before: a day means up to the end of the day before it; after: a day means from the day after.
  assert.deepEqual(parseSearch('before:2024-03-02 after:2024-03-01 x').filter, {
    to: Date.UTC(2024, 2, 2) - 1,
    from: Date.UTC(2024, 2, 2),
    text: 'x',
  });
  assert.deepEqual(parseSearch('after:1709251200000 before:2024-03-01T12:00 x').filter, {
    from: 1709251200001,
    to: Date.UTC(2024, 2, 1, 12) - 1,
    text: 'x',
  });
  // A year is a date, not a number of milliseconds; nonsense is said, not guessed.
  assert.deepEqual(parseSearch('after:2024 x').filter, { from: Date.UTC(2024, 0, 1) + 1, text: 'x' });
  assert.deepEqual(parseSearch('after:someday x').errors, ['after: "someday" is not a date (try 2024-03-01 or 2024-03-01T12:00)']);
  assert.deepEqual(parseSearch('-from:bob x').errors, ['-from: is not supported: leave the filter out instead']);
});
