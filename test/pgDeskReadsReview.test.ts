// The desk's review reads over PostgreSQL answer what they answer over the SQLite file the data came
// from: the tags (the default group first, then by name as NOCASE orders them) and how many use
// each, the tags and note counts of entries, users and rooms, the notes on one, the watchlist's
// terms and its file (BINARY order), the saved searches with their new matches, and watch
// matching's searches over an id range (terms from their own starting point or from the range's,
// refused terms skipped, few new entries or many). Untrusted arguments are cleaned alike, and the
// names compare alike in a database whose own collation is not byte order (ICU's English).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pgReadRunner } from '../main/api/pgReadCalls.js';
import type { ReadArgs } from '../main/api/readCalls.js';
import { openPgEngine, type PgEngine } from '../main/store/pg/engine.js';
import { termsToMatch, type TermToMatch, type WatchHit } from '../main/store/watchlist.js';
import type { Note, SavedSearch, Tag, WatchTerm } from '../shared/review.js';
import { deskOnBothEngines, sameAnswer, type DeskOnBothEngines } from './support/deskOnBothEngines.js';
import { postgresSkipReason, query } from './support/postgres.js';

const skip = postgresSkipReason();

type Answered<T> = { answered: T };

describe('the desk’s review reads on PostgreSQL', { skip }, () => {
  let desk: DeskOnBothEngines;
  before(async () => {
    desk = await deskOnBothEngines();
  });
  after(() => desk?.close());

  const ids = (sql: string) => desk.db.prepare<[], number>(sql).pluck().all();

  test('the tags: the default group first, then by name with ASCII case folded, each with how many use it', async () => {
    const { answered: tags } = (await sameAnswer(desk, 'tags', {})) as Answered<Tag[]>;
    const mine = tags.filter((t) => !t.builtin).map((t) => t.name);
    assert.deepEqual(mine, ['evidence', 'Follow-up', 'Zorn', 'ärger'], 'NOCASE: Follow-up after evidence, ä after z');
    assert.equal(tags.find((t) => t.name === 'evidence')?.uses, 5);
    assert.ok(tags.some((t) => t.hold));
  });

  test('reviews: the tags (by name) and note counts of entries, users and rooms', async () => {
    const all = {
      entry: ids('SELECT id FROM entries ORDER BY id'),
      user: ids('SELECT id FROM users ORDER BY id'),
      room: ids('SELECT id FROM rooms ORDER BY id'),
    };
    for (const target of ['entry', 'user', 'room'] as const) {
      const { answered } = (await sameAnswer(desk, 'reviews', { target, ids: all[target] })) as Answered<Record<number, unknown>>;
      assert.ok(Object.keys(answered).length > 0, `some ${target} has a tag or a note`);
      await sameAnswer(desk, 'reviews', { target, ids: all[target].slice(0, 3) });
    }
    const kitchen = ids("SELECT id FROM rooms WHERE name = 'kitchen'")[0]!;
    const { answered } = (await sameAnswer(desk, 'reviews', { target: 'room', ids: [kitchen] })) as Answered<
      Record<number, { tags: string[]; notes: number }>
    >;
    assert.deepEqual(answered[kitchen]!.tags, ['evidence', 'Zorn', 'ärger']);
    assert.equal(answered[kitchen]!.notes, 1);
  });

  test('reviews: untrusted targets and ids are cleaned or refused alike', async () => {
    const some = ids('SELECT id FROM entries ORDER BY id').slice(0, 20);
    const junk = ['1', 1.5, -3, Number.NaN, null, { id: 2 }, 2 ** 60, 0, ...some] as unknown as number[];
    await sameAnswer(desk, 'reviews', { target: 'entry', ids: junk });
    await sameAnswer(desk, 'reviews', { target: 'entry', ids: [...some, ...some] });
    await sameAnswer(desk, 'reviews', { target: 'entry', ids: 'all' as unknown as number[] });
    await sameAnswer(desk, 'reviews', { target: 'entry', ids: [] });
    const refused = await sameAnswer(desk, 'reviews', { target: 'entries' as 'entry', ids: some });
    assert.deepEqual(refused, { failed: 'UserFacingError: a tag or note is on an entry, a user or a room, not "entries"' });
    await sameAnswer(desk, 'reviews', { target: undefined as unknown as 'entry', ids: some });
  });

  test('notes on an entry, a user and a room, oldest first; ids that are none find nothing; a target that is none is refused', async () => {
    const noted = desk.db
      .prepare<[], { target: 'entry' | 'user' | 'room'; target_id: number }>('SELECT DISTINCT target, target_id FROM notes ORDER BY 1, 2')
      .all();
    assert.deepEqual(new Set(noted.map((n) => n.target)), new Set(['entry', 'user', 'room']));
    let longest = 0;
    for (const { target, target_id } of noted) {
      const { answered } = (await sameAnswer(desk, 'notes', { target, targetId: target_id })) as Answered<Note[]>;
      longest = Math.max(longest, answered.length);
    }
    assert.equal(longest, 2, 'an entry with two notes, in order');
    const { answered: edited } = (await sameAnswer(desk, 'notes', { target: 'entry', targetId: noted[0]!.target_id })) as Answered<Note[]>;
    assert.ok(
      edited.some((n) => n.editedBy === 'maya' && n.version === 2 && typeof n.editedAt === 'number'),
      'an edited note',
    );
    const entry = noted.find((n) => n.target === 'entry')!.target_id;
    for (const targetId of [String(entry), `${entry}.0`, entry + 0.5, Number.NaN, Number.POSITIVE_INFINITY, -1, 'x', null, 2 ** 60])
      await sameAnswer(desk, 'notes', { target: 'entry', targetId: targetId as number });
    assert.deepEqual(await sameAnswer(desk, 'notes', { target: 'message' as 'entry', targetId: entry }), {
      failed: 'UserFacingError: a tag or note is on an entry, a user or a room, not "message"',
    });
  });

  test('the watchlist: its terms in byte order with their matches, and as a file', async () => {
    const { answered: terms } = (await sameAnswer(desk, 'watchTerms', {})) as Answered<WatchTerm[]>;
    assert.deepEqual(
      terms.map((t) => t.term),
      ['"the café"', '*a', 'Flowers', 'hello -invisible', 'pimp', 'spam', 'wonderful', 'wörld', 'zebra*', 'Ärger'],
    );
    assert.ok(terms.find((t) => t.term === 'Flowers')!.matches > 0, 'a term added later matched what was there');
    const { answered: file } = (await sameAnswer(desk, 'watchlistText', {})) as Answered<string>;
    assert.equal(file.split('\n').length, terms.length + 1);
  });

  test('saved searches in byte order, each with its new matches (words, in:, exclusions alone)', async () => {
    const { answered } = (await sameAnswer(desk, 'savedSearches', {})) as Answered<SavedSearch[]>;
    assert.deepEqual(
      answered.map((s) => [s.name, s.newMatches]),
      [
        ['Later', 1],
        ['an old query', 0],
        ['cafés', 0],
        ['from u1', 2],
        ['zz no spam', 13],
        ['Ärger in the kitchen', 1],
      ],
    );
  });

  // Watch matching: the terms of the desk and some written here (ids of no term, a refused one).
  const HANDMADE: TermToMatch[] = [
    { id: 101, term: 'café', after_entry_id: 0 },
    { id: 102, term: 'mess* -spam', after_entry_id: 40 },
    { id: 103, term: '"about the café"', after_entry_id: 0 },
    { id: 104, term: '*a', after_entry_id: 0 },
    { id: 105, term: 'ＦＵＬＬＷＩＤＴＨ 漢字', after_entry_id: 0 },
    { id: 106, term: 'hello -"!!" \u0301', after_entry_id: 0 },
    { id: 101, term: 'HÉLLO', after_entry_id: 3 },
    { id: 107, term: 'nothing-here-at-all', after_entry_id: 0 },
  ];

  test('watch hits: each term from its own starting point or from the range’s, term by term, over few new entries or the whole index', async () => {
    const newest = ids('SELECT max(id) FROM entries')[0]!;
    const terms = [...termsToMatch(desk.db), ...HANDMADE];
    let found = 0;
    for (const [after, upTo] of [
      [0, newest],
      [0, 60],
      [30, 90],
      [newest - 5, newest],
      [0, 100_000], // more than SQLite indexes apart: its full index
      [newest, newest + 10],
    ] as const)
      for (const everything of [false, true]) {
        const { answered } = (await sameAnswer(desk, 'watchHits', { terms, after, upTo, everything })) as Answered<WatchHit[]>;
        found += answered.length;
      }
    assert.ok(found > 100, `the terms find something to compare (${found} hits)`);
    const { answered: one } = (await sameAnswer(desk, 'watchHits', {
      terms: [{ id: 7, term: 'spam', after_entry_id: 20 }],
      after: 0,
      upTo: newest,
      everything: false,
    })) as Answered<WatchHit[]>;
    assert.ok(one.length > 0 && one.every(([term, entry]) => term === 7 && entry > 20));
  });

  test('watch hits: untrusted ranges and terms answer alike (nothing, or the same refusal)', async () => {
    const terms = HANDMADE.slice(0, 3);
    const cases: Array<[unknown, unknown, unknown, unknown]> = [
      [terms, Number.NaN, 100, false],
      [terms, 0, Number.NaN, false],
      [terms, '10', '80', 'yes'],
      [terms, 0.5, 100, false],
      [terms, 0.5, 100_000, false],
      [terms, 0, 1e20, true],
      [terms, -1e20, 10, false],
      [terms, 0, Number.POSITIVE_INFINITY, false],
      [terms, 50, 10, true],
      [[{ id: 1, term: 'café', after_entry_id: 'x' }], 0, 100, false],
      [[{ id: 1, term: 'café', after_entry_id: null }], 0, 100, false],
      [[{ id: 'a', term: 'café', after_entry_id: '5' }], 0, 100, false],
      [[{ id: 1, term: 42, after_entry_id: 0 }], 0, 100, false],
      [[{ id: 1, term: '-spam', after_entry_id: 0 }], 0, 100, true],
      [[], 0, 100, true],
    ];
    for (const [terms, after, upTo, everything] of cases)
      await sameAnswer(desk, 'watchHits', { terms, after, upTo, everything } as unknown as ReadArgs<'watchHits'>);
  });

  test('names compare alike in a database whose own collation is not byte order', async (t) => {
    const icu = await query<{ n: number }>(desk.cluster.url, "SELECT count(*)::int AS n FROM pg_collation WHERE collprovider = 'i'");
    if (icu[0]!.n === 0) return t.skip('this PostgreSQL has no ICU');
    await query(
      desk.cluster.url,
      "CREATE DATABASE omv_en TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
    );
    const url = desk.cluster.url.replace(/\/omv$/, '/omv_en');
    const english: PgEngine = await openPgEngine(url);
    try {
      await english.writes.copyFromSqlite(desk.db, () => undefined);
      const inEnglish = { ...desk, pg: pgReadRunner(english) };
      // ICU's English puts Ä beside A and "evidence" before "Follow-up" before "Zorn": not what SQLite answers.
      const order = await query<{ name: string }>(url, 'SELECT name FROM saved_searches ORDER BY name');
      assert.notDeepEqual(
        order.map((r) => r.name),
        ['Later', 'cafés', 'from u1', 'zz no spam', 'Ärger in the kitchen'],
        'this database orders names its own way',
      );
      for (const method of ['tags', 'watchTerms', 'watchlistText', 'savedSearches'] as const) await sameAnswer(inEnglish, method, {});
      const kitchen = ids("SELECT id FROM rooms WHERE name = 'kitchen'");
      await sameAnswer(inEnglish, 'reviews', { target: 'room', ids: kitchen });
    } finally {
      await english.close();
    }
  });
});
