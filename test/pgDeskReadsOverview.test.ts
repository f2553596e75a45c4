// The desk's overview reads over PostgreSQL answer what they answer over the SQLite file the data
// came from: the room list (its review columns, its filter's case folding), the rooms in: may
// mean, the timeline's time bounds, user IDs in texts and pseudonyms read back, a user's activity
// and record, who was there at every entry, the receiver's counters and the ids a filter selects
// — each for arguments that find something, and for untrusted ones (numbers for text, text for
// numbers, NaN, junk).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSearch } from '../shared/searchQuery.js';
import { pseudonymOf } from '../shared/pseudonym.js';
import type { EntryFilter, RoomSummary, UserActivity } from '../shared/api.js';
import type { Presence, UserRecord } from '../shared/review.js';
import type { ReceiverCounters } from '../main/store/overview.js';
import { DAY, deskOnBothEngines, sameAnswer, type DeskOnBothEngines } from './support/deskOnBothEngines.js';
import { postgresSkipReason } from './support/postgres.js';

const skip = postgresSkipReason();
const HOUR = 3_600_000;

/** Arguments of any shape, as a page could send them. */
const untrusted = <T>(value: unknown) => value as T;

const FILTERS: EntryFilter[] = [
  {},
  { room: 'lobby "main"' },
  { inRoom: 'LOBBY' },
  { inRoom: 'caf' },
  { user: 'u1' },
  { type: 'leave' },
  { from: DAY + 3, to: DAY + 2 * 86_400_000 + 30 * 60_000 },
  { from: DAY + 0.5, to: DAY + 6.5 },
  { tag: 'EVIDENCE' },
  { hasNote: true },
  { unreviewed: true },
  { room: 'nowhere' },
  ...['café', 'spam -wonderful', '-spam', 'hello from:u2', 'mess* in:lobby', 'nothing-like-this', '"'].map(
    (text) => parseSearch(text).filter,
  ),
];

const JUNK_FILTERS = [
  { room: 42, user: ['u1'], from: 'yesterday', hasNote: 'yes', evil: 'DROP TABLE entries' },
  { from: Number.NaN, to: Number.POSITIVE_INFINITY },
  null,
  'u1',
].map((filter) => untrusted<EntryFilter>(filter));

describe('the desk’s overview reads on PostgreSQL', { skip }, () => {
  let desk: DeskOnBothEngines;
  before(async () => {
    desk = await deskOnBothEngines();
  });
  after(() => desk?.close());

  test('the room list: counts, review marks, alerts and the users a name holds; its filter folds ASCII letters only, as SQLite’s lower()', async () => {
    const all = (await sameAnswer(desk, 'rooms', {})) as { answered: RoomSummary[] };
    assert.ok(all.answered.length >= 9, 'every room is listed');
    const kitchen = all.answered.find((r) => r.name === 'kitchen')!;
    assert.ok(
      kitchen.reviewedTo !== null && kitchen.reviewVersion > 0 && kitchen.unreviewed === 1,
      'kitchen is reviewed but for its last entry',
    );
    assert.ok(
      all.answered.some((r) => r.alerts > 0),
      'unseen watch matches are counted',
    );
    assert.deepEqual(all.answered.find((r) => r.name === 'u2 ↔ u1')!.nameUsers, ['u1', 'u2']);
    const gardens = all.answered.filter((r) => r.name === 'garden');
    assert.ok(gardens.length === 2 && gardens[0]!.lastActivity === gardens[1]!.lastActivity, 'two rooms alike in time and name');
    for (const filter of [
      '',
      'LOB',
      'lobby',
      'CAF',
      'caf',
      'É',
      'CAFÉ',
      'été',
      'ÉTÉ',
      '"',
      '↔',
      'u1',
      '%',
      '_',
      'nothing-such',
      'a\u0000b',
    ])
      await sameAnswer(desk, 'rooms', { filter });
    // SQLite's lower() leaves É as it is: 'CAFÉ' is not in 'ÉTÉ Café' (PostgreSQL's lower() would say it is).
    assert.deepEqual(await sameAnswer(desk, 'rooms', { filter: 'CAFÉ' }), { answered: [] });
    for (const filter of [42, null, ['lobby'], { name: 'lobby' }]) await sameAnswer(desk, 'rooms', untrusted({ filter }));
  });

  test('the rooms in: may mean, every step’s, the closer and busier first', async () => {
    for (const text of ['', 'lobby', 'LOBBY', 'lob', 'lo*', 'l*', 'main', 'été', 'caf', 'u1', '*', 'x*', 'zzz', '"main"'])
      await sameAnswer(desk, 'roomSuggestions', { text });
    const lobby = (await sameAnswer(desk, 'roomSuggestions', { text: 'lobby' })) as { answered: { rooms: unknown[]; total: number } };
    assert.ok(lobby.answered.total >= 3, 'lobby finds the rooms it may mean');
    for (const text of [5, null, ['lobby']]) await sameAnswer(desk, 'roomSuggestions', untrusted({ text }));
  });

  test('the timeline’s time bounds and the ids a filter selects, for every filter the desk sends', async () => {
    let found = 0;
    for (const filter of [...FILTERS, ...JUNK_FILTERS]) {
      const bounds = (await sameAnswer(desk, 'timeBounds', { filter })) as { answered: { first: number | null } };
      const ids = (await sameAnswer(desk, 'matchingIds', { filter })) as { answered: number[] };
      if (bounds.answered.first !== null) found += ids.answered.length;
    }
    assert.ok(found > 300, `the filters select entries to compare (${found})`);
  });

  test('user IDs in texts, and pseudonyms read back to their users', async () => {
    const users = (await sameAnswer(desk, 'mentionedUsers', {
      texts: ['hello u1 and u4, not u99', 'u2 ↔ u1', 'tom is 1', 'U1 is not u1'],
    })) as { answered: string[] };
    assert.deepEqual(users.answered, ['1', 'u1', 'u2', 'u4']);
    for (const texts of [[], ['nobody here'], 'u1', null, [1, null, ['u7'], 'u7 u5'], Array.from({ length: 6000 }, (_, i) => `u${i}`)])
      await sameAnswer(desk, 'mentionedUsers', untrusted({ texts }));

    const salt = desk.db.prepare<[], string>("SELECT value FROM settings WHERE key = 'pseudonym_salt'").pluck().get()!;
    assert.ok(salt, 'the desk has its salt');
    const names = ['u1', 'u4', '1'].map((id) => pseudonymOf(id, salt));
    const found = (await sameAnswer(desk, 'resolvePseudonyms', { names: [...names, 'user-zzzzzz', 'not a pseudonym'] })) as {
      answered: Record<string, string>;
    };
    assert.deepEqual(found.answered, { [names[0]!]: 'u1', [names[1]!]: 'u4', [names[2]!]: '1' });
    for (const junk of [[], 'user-abc', null, [5, null, names[0]]]) await sameAnswer(desk, 'resolvePseudonyms', untrusted({ names: junk }));
  });

  test('a user’s activity: summary, rooms, recent entries; a user of two domains; nobody', async () => {
    for (const userId of ['u1', 'u4', 'u9', 'u2', '1', 'nobody', '', 'u1\u0000']) {
      const activity = (await sameAnswer(desk, 'userActivity', { userId })) as { answered: UserActivity };
      if (userId === 'u1') assert.ok(activity.answered.rooms.length >= 3 && activity.answered.recent.length > 10, 'u1 has activity');
    }
    for (const userId of [42, null, ['u1']]) await sameAnswer(desk, 'userActivity', untrusted({ userId }));
    // u1 is a user of d1 and of d2: with a domain, that domain's user and only its entries.
    const ofD2 = (await sameAnswer(desk, 'userActivity', { userId: 'u1', domain: 'd2' })) as { answered: UserActivity };
    assert.deepEqual(
      ofD2.answered.recent.map((e) => `${e.domainId} ${e.content}`),
      ['d2 pimp my ride, u4'],
    );
    assert.deepEqual(
      ofD2.answered.rooms.map((r) => `${r.domainId} ${r.name} ${r.entries}`),
      ['d2 lobby 1'],
    );
    const ofD1 = (await sameAnswer(desk, 'userActivity', { userId: 'u1', domain: 'd1' })) as { answered: UserActivity };
    assert.ok(ofD1.answered.recent.length > 10 && ofD1.answered.recent.every((e) => e.domainId === 'd1'));
    assert.equal(
      ((await sameAnswer(desk, 'userActivity', { userId: 'u1', domain: 'd3' })) as { answered: UserActivity }).answered.id,
      null,
    );
    for (const domain of [7, null]) await sameAnswer(desk, 'userActivity', untrusted({ userId: 'u1', domain }));
  });

  test('a user’s record: reports by and against them, tags and notes on them and their entries, watch matches', async () => {
    const by = (await sameAnswer(desk, 'userRecord', { userId: '12345' })) as { answered: UserRecord };
    assert.equal(by.answered.reportsBy.length, 2);
    const against = (await sameAnswer(desk, 'userRecord', { userId: '23456' })) as { answered: UserRecord };
    assert.equal(against.answered.reportsAgainst.length, 2);
    const u1 = (await sameAnswer(desk, 'userRecord', { userId: 'u1' })) as { answered: UserRecord };
    assert.equal(u1.answered.notes.length, 2, 'a note on each of u1’s user rows');
    assert.deepEqual(
      u1.answered.entryTags.map((t) => t.tag),
      ['evidence', 'Follow-up'],
      'tags alike in number come in the order of SQLite’s NOCASE',
    );
    const u3 = (await sameAnswer(desk, 'userRecord', { userId: 'u3' })) as { answered: UserRecord };
    assert.ok(
      u3.answered.recentMatches.some((m) => m.term === 'spam, wonderful'),
      'an entry two terms match names both, in the order they were added',
    );
    // One domain's user: the note on that user row only.
    const u1OfD2 = (await sameAnswer(desk, 'userRecord', { userId: 'u1', domain: 'd2' })) as { answered: UserRecord };
    assert.equal(u1OfD2.answered.notes.length, 1, 'the note on d2’s u1 only');
    for (const [userId, domain] of [
      ['12345', 'd2'],
      ['23456', 'd1'],
      ['u3', 'd1'],
    ])
      await sameAnswer(desk, 'userRecord', { userId: userId!, domain: domain! });
    for (const userId of ['u4', 'u2', 'nobody', '', 'u1\u0000']) await sameAnswer(desk, 'userRecord', { userId });
    for (const userId of [12345, null, ['u1']]) await sameAnswer(desk, 'userRecord', untrusted({ userId }));
  });

  test('who was there at every entry: rosters, joins, leaves and messages since, the messenger’s connections of the time', async () => {
    const ids = desk.db.prepare<[], number>('SELECT id FROM entries ORDER BY id').pluck().all();
    let rostered = 0;
    let connected = 0;
    for (const entryId of ids) {
      const presence = (await sameAnswer(desk, 'presence', { entryId })) as { answered: Presence };
      if (presence.answered.roster) rostered += 1;
      if (presence.answered.connections?.more) connected += 1;
    }
    assert.ok(rostered >= 7 && connected >= 7, `entries after a roster and a connection list (${rostered}, ${connected})`);
    for (const entryId of ['abc', Number.NaN, 1.5, -1, 0, 999_999, '3', null, 2 ** 60])
      await sameAnswer(desk, 'presence', untrusted({ entryId }));
    assert.deepEqual(await sameAnswer(desk, 'presence', untrusted({ entryId: 'abc' })), { failed: 'UserFacingError: no entry NaN' });
  });

  test('the receiver’s counters since a moment, and since moments that are not', async () => {
    for (const since of [0, DAY + 30 * HOUR, DAY + 62 * HOUR, DAY + 62.5 * HOUR, DAY + 200 * HOUR]) {
      const counters = (await sameAnswer(desk, 'receiverCounters', { since })) as { answered: ReceiverCounters };
      if (since === 0)
        assert.ok(counters.answered.deliveriesSince > 5 && counters.answered.quarantined > 1 && counters.answered.alerts > 0);
    }
    for (const since of ['junk', Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, '1e300', -1e300])
      await sameAnswer(desk, 'receiverCounters', untrusted({ since }));
  });
});
