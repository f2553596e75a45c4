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
