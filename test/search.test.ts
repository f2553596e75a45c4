import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { toFtsQuery, SearchSyntaxError } from '../shared/ftsQuery.js';
import { openDatabase } from '../main/store/db.js';
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
  db.prepare("INSERT INTO entries_fts (rowid, content) VALUES (1, 'AND OR NOT near content: x^y (a) {b} * \"q\"')").run();
  const match = db.prepare('SELECT count(*) FROM entries_fts WHERE entries_fts MATCH ?').pluck();
  for (const text of ['AND', 'OR NOT', 'NEAR(a b)', 'content:x', 'x^y', '(a)', '{b}', '*', '"', '""', 'a"b', "it's", '-', '--x y', 'ünïcödé*', '😀']) {
    const query = toFtsQuery(text);
    if (query !== null) assert.doesNotThrow(() => match.get(query), text);
  }
  assert.equal(match.get(toFtsQuery('near')), 1);
  db.close();
});

test('hits come newest first by timestamp, whether a word is rare or common, with their own snippets', async () => {
  const { importFile } = await import('../main/importer.js');
  const { searchEntries } = await import('../main/store/entryQuery.js');
  const { messagesXml } = await import('./support/payloads.js');
  const { writeFileSync } = await import('node:fs');
  const dir = tempDir();
  // Received newest-first, so the order of arrival (rowid) is the reverse of the order in time.
  const entries = Array.from({ length: 2600 }, (_, i) => ({ ts: 1_000_000 - i * 10, user: `u${i % 3}`, content: i % 1000 === 7 ? `rare word ${i}` : `common chatter ${i}` }));
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
