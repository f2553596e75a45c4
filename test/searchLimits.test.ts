// Search without silent limits, in the store: every hit can be paged to, counts are exact, in:
// finds rooms by the start of their name or by words in it, text that only excludes works, and
// filters alone list and count their entries. The same data and expectations serve omv search
// (searchLimitsCli.test.ts) and the desk (searchLimitsDesk.test.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { EntryFilter, Keyset } from '../shared/api.js';
import { parseSearch } from '../shared/searchQuery.js';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { roomIdsMatching, roomSuggestions } from '../main/store/roomMatch.js';
import { countEntries, searchPage } from '../main/store/searchPages.js';
import { busySpecs, hasWord, writeBusyFile, type BusySpec } from './support/busyRooms.js';
import { tempDir } from './support/tmp.js';

const specs = busySpecs();
const dir = tempDir();
const dbPath = join(dir, 'omv.sqlite');
let db: Db;

before(async () => {
  writeBusyFile(join(dir, 'busy.xml'), specs);
  db = openDatabase(dbPath);
  await importFile(db, join(dir, 'busy.xml'));
});

/** Every hit, page after page, as the desk and omv search read them. */
function allPages(filter: EntryFilter, size: number): Array<{ id: number; ts: number; content: string | null }> {
  const hits: Array<{ id: number; ts: number; content: string | null }> = [];
  for (let position: Keyset | undefined; ;) {
    const page = searchPage(db, filter, size, position, ['[', ']']);
    hits.push(...page.hits.map((h) => ({ id: h.id, ts: h.timestamp, content: h.content })));
    const last = page.hits.at(-1);
    if (!page.more || !last) return hits;
    position = { timestamp: last.timestamp, id: last.id };
  }
}

/** The specs a filter should select, newest first, by time (each spec's time is its own). */
const expected = (keep: (spec: BusySpec) => boolean) =>
  specs
    .filter(keep)
    .map((s) => s.ts)
    .reverse();

describe('search without silent limits, in the store', () => {
  test('every hit is reached by paging, newest first, past the newest 200 and the 10,000th; the count is exact', () => {
    const common = expected((s) => hasWord(s, 'common'));
    assert.ok(common.length > 10_000);
    for (const size of [200, 1000]) {
      const hits = allPages({ text: 'common' }, size);
      assert.deepEqual(
        hits.map((h) => h.ts),
        common,
        `pages of ${size}`,
      );
    }
    assert.equal(countEntries(db, { text: 'common' }), common.length);
    // The same under a room, a user and a time range: the other ways a walk is chosen.
    const inRoom = expected((s) => hasWord(s, 'common') && s.room === 'room-25');
    assert.deepEqual(
      allPages({ text: 'common', room: 'room-25' }, 200).map((h) => h.ts),
      inRoom,
    );
    assert.equal(countEntries(db, { text: 'common', room: 'room-25' }), inRoom.length);
    const mine = expected((s) => hasWord(s, 'spam') && s.user === 'u3');
    assert.deepEqual(
      allPages({ text: 'spam', user: 'u3' }, 7).map((h) => h.ts),
      mine,
    );
    const from = specs[3000]!.ts;
    const to = specs[9000]!.ts;
    const ranged = expected((s) => hasWord(s, 'chatter') && s.ts >= from && s.ts <= to);
    assert.deepEqual(
      allPages({ text: 'chatter', from, to }, 500).map((h) => h.ts),
      ranged,
    );
    assert.equal(countEntries(db, { text: 'chatter', from, to }), ranged.length);
  });

  test('text that only excludes (-spam) selects every other entry, counted exactly', () => {
    const parsed = parseSearch('-spam');
    assert.deepEqual(parsed, { filter: { text: '-spam' }, errors: [] });
    const notSpam = expected((s) => !hasWord(s, 'spam'));
    const hits = allPages(parsed.filter, 1000);
    assert.deepEqual(
      hits.map((h) => h.ts),
      notSpam,
    );
    assert.ok(hits.every((h) => !(h.content ?? '').includes('spam')));
    assert.equal(countEntries(db, parsed.filter), notSpam.length);
    assert.equal(
      countEntries(db, parseSearch('-spam -quiet in:lobby').filter),
      expected((s) => s.room === 'lobby' && !hasWord(s, 'spam') && !hasWord(s, 'quiet')).length,
    );
  });

  test('a filter alone (from:u1) lists and counts its entries', () => {
    const parsed = parseSearch('from:u1');
    const mine = expected((s) => s.user === 'u1');
    assert.equal(countEntries(db, parsed.filter), mine.length);
    assert.deepEqual(
      allPages(parsed.filter, 300).map((h) => h.ts),
      mine,
    );
    assert.equal(countEntries(db, {}), specs.length);
  });

  test('in: finds a room by its whole name, by the start of it (room-25*), or by words in it (in:259), with suggestions', () => {
    const ids = (text: string) =>
      roomIdsMatching(db, text)
        .map((id) => db.prepare<[number], string>('SELECT name FROM rooms WHERE id = ?').pluck().get(id)!)
        .sort();
    assert.deepEqual(ids('room-25'), ['room-25']);
    assert.deepEqual(ids('ROOM-25'), ['room-25']);
    assert.deepEqual(ids('room-25*'), ['room-25', 'room-250', 'room-251']);
    assert.deepEqual(ids('room-2'), ['room-25', 'room-250', 'room-251']);
    assert.deepEqual(ids('259'), ['salle-259 ✨']);
    assert.deepEqual(ids('salle'), ['salle-259 ✨']);
    assert.deepEqual(ids('nowhere'), []);
    assert.equal(
      countEntries(db, parseSearch('in:259 common').filter),
      expected((s) => s.room === 'salle-259 ✨' && hasWord(s, 'common')).length,
    );
    assert.equal(countEntries(db, parseSearch('in:nowhere common').filter), 0);
    const offered = roomSuggestions(db, 'room-25');
    assert.deepEqual(
      offered.rooms.map((r) => [r.name, r.taken]),
      [
        ['room-25', true],
        ['room-250', false],
        ['room-251', false],
      ],
    );
    assert.equal(offered.total, 3);
  });
});
