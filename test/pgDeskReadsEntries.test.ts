// The desk's entry reads over PostgreSQL answer what they answer over the SQLite file the data came
// from: the timeline in both directions and its pages, search's first page and the pages after it
// (snippets, counts), exact counts, the chart, an entry in its context — for the filters the desk
// sends (room, in:, from:, type:, time range, tag:, has:note, unreviewed) and for untrusted
// arguments (a limit of nothing, a keyset of text, an entry that is no entry).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSearch } from '../shared/searchQuery.js';
import type { EntryFilter, SearchResult, TimelinePage } from '../shared/api.js';
import { DAY, deskOnBothEngines, sameAnswer, type DeskOnBothEngines } from './support/deskOnBothEngines.js';
import { postgresSkipReason } from './support/postgres.js';

const skip = postgresSkipReason();

const FILTERS: Array<[string, EntryFilter]> = [
  ['everything', {}],
  ['a room', { room: 'lobby "main"' }],
  ['in: a part of room names', { inRoom: 'LOBBY' }],
  ['a user', { user: 'u1' }],
  ['a type', { type: 'join' }],
  ['a time range', { from: DAY + 3, to: DAY + 2 * 86_400_000 + 30 * 60_000 }],
  ['a tag', { tag: 'EVIDENCE' }],
  ['has a note', { hasNote: true }],
  ['unreviewed', { unreviewed: true }],
  ['no such room', { room: 'nowhere' }],
  // "garden" is a room of d1 and of d2: the room list's choice names its domain.
  ['a room of one domain', { room: 'garden', domain: 'd2' }],
  ['a name in every domain', { room: 'garden' }],
  ['a domain', { domain: 'd2' }],
  ['in: within a domain', { inRoom: 'LOBBY', domain: 'd2' }],
  ['a room in a domain that has none of the name', { room: 'kitchen', domain: 'd2' }],
];

const SEARCHES = [
  'café',
  'wörld',
  'spam',
  '"with a comma"',
  'mess*',
  '漢字',
  'café -spam',
  '-spam',
  'hello from:u2',
  'café in:lobby',
  'tag:evidence',
  'has:note',
  'status:unreviewed',
  'type:join',
  'nothing-like-this',
];

describe('the desk’s entry reads on PostgreSQL', { skip }, () => {
  let desk: DeskOnBothEngines;
  before(async () => {
    desk = await deskOnBothEngines();
  });
  after(() => desk?.close());

  test('the timeline, oldest first and newest first, page after page, for every filter the desk sends', async () => {
    for (const [, filter] of FILTERS)
      for (const direction of ['after', 'before'] as const) {
        let from: TimelinePage['entries'][number] | undefined;
        for (let page = 0; page < 4; page++) {
          const answer = (await sameAnswer(desk, 'timeline', {
            filter,
            limit: 25,
            direction,
            ...(from ? { from: { timestamp: from.timestamp, id: from.id } } : {}),
          })) as { answered: TimelinePage };
          const { entries, more } = answer.answered;
          if (!more) break;
          from = direction === 'after' ? entries.at(-1) : entries[0];
        }
      }
    const everything = (await sameAnswer(desk, 'timeline', { filter: {}, limit: 1000 })) as { answered: TimelinePage };
    assert.ok(everything.answered.entries.length > 130, 'the desk holds what it was given');
  });

  test('search: the first page with its count, and the pages after it, for words, phrases, prefixes, exclusions and the filters', async () => {
    let hits = 0;
    for (const text of SEARCHES) {
      const { filter } = parseSearch(text);
      const first = (await sameAnswer(desk, 'search', { filter, limit: 20 })) as { answered: SearchResult };
      hits += first.answered.hits.length;
      let last = first.answered.hits.at(-1);
      for (let page = 0; last && page < 5; page++) {
        const next = (await sameAnswer(desk, 'searchPage', { filter, limit: 20, before: { timestamp: last.timestamp, id: last.id } })) as {
          answered: { hits: SearchResult['hits']; more: boolean };
        };
        last = next.answered.more ? next.answered.hits.at(-1) : undefined;
      }
    }
    assert.ok(hits > 50, `the searches find something to compare (${hits} hits)`);
  });

  test("a room chosen with its domain is that domain's room: not the room of the same name in another domain", async () => {
    const contents = async (filter: EntryFilter) =>
      ((await sameAnswer(desk, 'timeline', { filter, limit: 50 })) as { answered: TimelinePage }).answered.entries.map(
        (e) => `${e.domainId} ${e.content}`,
      );
    assert.deepEqual(await contents({ room: 'garden', domain: 'd2' }), ['d2 weeds']);
    assert.deepEqual(await contents({ room: 'garden', domain: 'd1' }), ['d1 flowers']);
    assert.deepEqual((await contents({ room: 'garden' })).sort(), ['d1 flowers', 'd2 weeds']);
    assert.deepEqual(await contents({ room: 'kitchen', domain: 'd2' }), []);
    assert.equal(
      ((await sameAnswer(desk, 'countEntries', { filter: { domain: 'd2' } })) as { answered: { total: number } }).answered.total,
      3,
    );
    // An entry's context is its own domain's room.
    const weeds = desk.db.prepare<[], number>("SELECT id FROM entries WHERE content = 'weeds'").pluck().get()!;
    const context = (await sameAnswer(desk, 'context', { entryId: weeds, radius: 10 })) as {
      answered: { entries: Array<{ content: string }> };
    };
    assert.deepEqual(
      context.answered.entries.map((e) => e.content),
      ['weeds'],
    );
    const { filter } = parseSearch('in:garden', { room: 'garden', domain: 'd2' });
    assert.deepEqual(filter, { inRoom: 'garden' }, "in: is a room choice of its own: the list's room and domain give way");
  });

  test('exact counts and the chart, for every filter and search', async () => {
    for (const [, filter] of FILTERS) {
      await sameAnswer(desk, 'countEntries', { filter });
      for (const buckets of [1, 7, 100]) await sameAnswer(desk, 'histogram', { filter, buckets });
    }
    for (const text of SEARCHES) {
      const { filter } = parseSearch(text);
      await sameAnswer(desk, 'countEntries', { filter });
      await sameAnswer(desk, 'histogram', { filter, buckets: 50 });
    }
  });

  test('an entry in its room’s context; an entry that is no entry is refused alike', async () => {
    for (const entryId of [1, 5, 60, 140]) await sameAnswer(desk, 'context', { entryId, radius: 10 });
    assert.deepEqual(await sameAnswer(desk, 'context', { entryId: 999_999, radius: 10 }), { failed: 'UserFacingError: no entry 999999' });
  });

  test('untrusted arguments are cleaned alike: limits of nothing or too much, keysets and filters that are not', async () => {
    const junk = { room: 42, user: ['u1'], from: 'yesterday', hasNote: 'yes', evil: 'DROP TABLE entries' } as unknown as EntryFilter;
    await sameAnswer(desk, 'timeline', { filter: junk, limit: Number.NaN });
    await sameAnswer(desk, 'timeline', { filter: {}, limit: 1e9, direction: 'sideways' as 'after' });
    await sameAnswer(desk, 'timeline', {
      filter: {},
      limit: 5,
      from: { timestamp: 'x', id: 1 } as unknown as { timestamp: number; id: number },
    });
    await sameAnswer(desk, 'search', { filter: { ...junk, text: 'café' }, limit: -3 });
    await sameAnswer(desk, 'searchPage', { filter: { text: 'café' }, limit: 5, before: { timestamp: Number.NaN, id: 2 } });
    await sameAnswer(desk, 'histogram', { filter: {}, buckets: 1e6 });
    await sameAnswer(desk, 'histogram', { filter: {}, buckets: Number.NaN });
  });
});
