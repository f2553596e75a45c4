// Differential: the same deliveries into SQLite and PostgreSQL through the seam, then many
// searches in the query language — generated from its pieces (fast-check) and picked by hand —
// asked of both: the same ids in the same order (the first four search pages, the timeline both
// ways from its ends and from a hit), the same counts, the same chart, the same export (every
// hand-picked query and every tenth generated one; the export holds every hit). Snippets are not
// compared: PostgreSQL's are made differently (pg/snippet.ts). Sizes are settings: OMV_DIFF_ENTRIES (generated entries,
// default 10,000) and OMV_DIFF_QUERIES (generated queries, default 300); OMV_DIFF_SEED replays a
// run. CI runs the defaults; issue #19 asks for 100,000 entries and 500 queries:
//   OMV_DIFF_ENTRIES=100000 OMV_DIFF_QUERIES=500 node --test dist/test/pgDifferential.test.js
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { EntryFilter, Keyset } from '../shared/api.js';
import { parseSearch } from '../shared/searchQuery.js';
import { tokenize } from '../shared/tokenize.js';
import type { StoreEngine } from '../main/store/engine.js';
import { delivery, openEngines } from './support/engines.js';
import { messagesXml, type EntrySpec } from './support/payloads.js';
import { postgresSkipReason } from './support/postgres.js';
import { random, syntheticPayload } from './support/synthetic.js';

const ENTRIES = Number(process.env['OMV_DIFF_ENTRIES'] ?? 10_000);
const QUERIES = Number(process.env['OMV_DIFF_QUERIES'] ?? 300);
const SEED = Number(process.env['OMV_DIFF_SEED'] ?? Date.now() % 1_000_000_000);
const MARKS: [string, string] = ['[', ']'];
const PAGE = 40;

const skip = postgresSkipReason();

/** Entries written to catch the tokenizer's and the matcher's edges, beside the generated ones. */
function trickyEntries(start: number): EntrySpec[] {
  const texts = [
    'Café crème at the CAFE',
    'cafe\u0301 with a combining accent',
    'naïve Naive NAÏVE naively',
    "don't stop believing",
    'a&b c_d e-f g.h',
    'ÆON straße STRASSE',
    'İstanbul ǅemal Σίσυφος ΣΊΣΥΦΟΣ',
    '日本語テキスト と 日本',
    '😀😀 👍',
    '',
    'the the the cat the',
    'cat the the',
    '"quoted" words AND OR NOT NEAR(x y) content:x ^y *',
    'x'.repeat(600) + ' longword',
    'x'.repeat(599) + 'y tail',
    'x'.repeat(700) + 'z other',
    'ſtop ﬁne Ǆ ǅ ǆ',
    'hello world hello',
    'world hello',
    'HELLO-WORLD',
    'tab\tseparated\nlines',
  ];
  const specs: EntrySpec[] = texts.map((content, i) => ({ ts: start + i * 1000, user: `user_${(i % 5) + 1}`, content }));
  specs.push({ ts: start + 90_000, type: 'join', user: 'user_2' });
  specs.push({ ts: start + 91_000, type: 'announcement' });
  // One entry with more distinct tokens than a tsvector holds: matched by its words alone.
  const many = Array.from({ length: 130_000 }, (_, i) => `t${String(i).padStart(6, '0')}`).join(' ');
  specs.push({ ts: start + 92_000, user: 'user_3', content: many });
  return specs;
}

interface Corpus {
  tokens: string[];
  common: string[];
  phrases: string[];
  users: string[];
  rooms: string[];
  span: { first: number; last: number };
}

/** What the generated queries are made of: words, phrases, users and rooms the data holds (and some it does not). */
function corpusOf(entries: Array<{ content: string | null; userId: string | null; room: string; timestamp: number }>): Corpus {
  const counts = new Map<string, number>();
  const phrases: string[] = [];
  const next = random(SEED);
  // Chat-sized entries only (the one of 130,000 tokens would drown the rest).
  for (const entry of entries.filter((e) => (e.content?.length ?? 0) < 10_000)) {
    const tokens = tokenize(entry.content).filter((t) => t.length < 100);
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    if (tokens.length >= 3 && next() < 0.05) {
      const at = Math.floor(next() * (tokens.length - 2));
      phrases.push(tokens.slice(at, at + (next() < 0.5 ? 2 : 3)).join(' '));
    }
  }
  const byCount = [...counts].sort((a, b) => b[1] - a[1]).map(([token]) => token);
  return {
    tokens: byCount,
    common: byCount.slice(0, 30),
    phrases: phrases.slice(0, 400),
    users: [...new Set(entries.map((e) => e.userId).filter((u): u is string => u !== null))].slice(0, 200),
    rooms: [...new Set(entries.map((e) => e.room))],
    span: { first: Math.min(...entries.map((e) => e.timestamp)), last: Math.max(...entries.map((e) => e.timestamp)) },
  };
}

/** One of `values` (constantFrom spreads its values over the stack: too many for a corpus). */
const oneOf = <T>(values: readonly T[]) => fc.integer({ min: 0, max: values.length - 1 }).map((i) => values[i]!);

/** Search box input, from the language's pieces. */
function queryArbitrary(c: Corpus): fc.Arbitrary<{ input: string; room?: string }> {
  const word = fc.oneof(
    { weight: 4, arbitrary: oneOf(c.common) },
    { weight: 2, arbitrary: oneOf(c.tokens.slice(30, 3000)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('zzznothing', 'qq', 'CAFÉ', 'Cafe', 'NAIVE', 'strasse', 'straße', 'don', 't', '日本', '日本語テキスト'),
    },
  );
  const cased = fc
    .tuple(word, fc.constantFrom('as is', 'upper', 'first'))
    .map(([w, how]) => (how === 'upper' ? w.toUpperCase() : how === 'first' ? w.charAt(0).toUpperCase() + w.slice(1) : w));
  const prefix = fc.tuple(word, fc.integer({ min: 1, max: 4 })).map(([w, n]) => `${Array.from(w).slice(0, n).join('')}*`);
  const phrase = fc.oneof(
    oneOf(c.phrases).map((p) => `"${p}"`),
    oneOf(c.phrases).map((p) => `"${p.split(' ').reverse().join(' ')}"`),
    oneOf(c.phrases).map((p) => `"${p.replace(' ', ', ')}"`),
    oneOf(c.phrases).map((p) => `"${p}"*`),
    oneOf(c.phrases).map((p) => `"${p.slice(0, -1)}"*`),
  );
  const textPiece = fc.oneof({ weight: 4, arbitrary: cased }, { weight: 2, arbitrary: prefix }, { weight: 2, arbitrary: phrase });
  const negated = textPiece.map((t) => `-${t}`);
  const date = fc.integer({ min: c.span.first - 86_400_000, max: c.span.last + 86_400_000 }).map((ms) => new Date(ms).toISOString());
  const filterPiece = fc.oneof(
    oneOf([...c.users, 'user_nobody']).map((u) => `from:${u}`),
    fc.constantFrom('in:room-1', 'in:room-2', 'in:salle', 'in:9', 'in:ROOM-3', 'in:room-1*', 'in:"salle-19 ✨"', 'in:nowhere', 'in:tricky'),
    fc.constantFrom('type:msg', 'type:join', 'type:leave', 'type:announcement', 'type:MSG'),
    date.map((d) => `before:${d}`),
    date.map((d) => `after:${d}`),
    date.map((d) => `after:${d.slice(0, 10)}`),
    fc.constantFrom('tag:spam', 'tag:URGENT', 'tag:none', 'has:note', 'status:unreviewed'),
  );
  return fc
    .record({
      text: fc.array(textPiece, { maxLength: 2 }),
      excluded: fc.array(negated, { maxLength: 1 }),
      filters: fc.array(filterPiece, { maxLength: 2 }),
      room: fc.option(oneOf(c.rooms.slice(0, 8)), { nil: undefined }),
    })
    .map(({ text, excluded, filters, room }) => ({ input: [...text, ...excluded, ...filters].join(' '), ...(room ? { room } : {}) }));
}

const ids = (rows: Array<{ id: number }>) => rows.map((row) => row.id);

/** Asks both engines the same of one filter: counts, every kind of page, the chart, the first search page, the export. */
async function compare(sqlite: StoreEngine, pgStore: StoreEngine, filter: EntryFilter, label: string, { exportAll = false } = {}) {
  const both = async <T>(ask: (store: StoreEngine) => Promise<T>): Promise<[T, T]> => [await ask(sqlite), await ask(pgStore)];
  const [countS, countP] = await both((s) => s.reads.countEntries(filter));
  assert.equal(countP, countS, `${label}: count`);
  // Hits newest first, page after page, from the newest and from a position inside.
  let before: Keyset | undefined;
  const seen: number[] = [];
  for (let page = 0; page < 4; page++) {
    const [s, p] = await both((store) => store.reads.searchPage(filter, PAGE, before, MARKS));
    assert.deepEqual(ids(p.hits), ids(s.hits), `${label}: search page ${page + 1}`);
    assert.equal(p.more, s.more, `${label}: more after search page ${page + 1}`);
    seen.push(...ids(s.hits));
    if (!s.more) break;
    const last = s.hits.at(-1)!;
    before = { timestamp: last.timestamp, id: last.id };
  }
  // The timeline, both ways, from its ends and from a hit in the middle.
  const middle = seen.length ? (await sqlite.reads.entryById(seen[Math.floor(seen.length / 2)]!))! : null;
  const at: Keyset | undefined = middle ? { timestamp: middle.timestamp, id: middle.id } : undefined;
  for (const [position, direction] of [
    [undefined, 'after'],
    [undefined, 'before'],
    [at, 'after'],
    [at, 'before'],
  ] as const) {
    const [s, p] = await both((store) => store.reads.timeline(filter, PAGE, position, direction));
    assert.deepEqual(ids(p.entries), ids(s.entries), `${label}: timeline ${direction} ${position ? 'a hit' : 'the end'}`);
    assert.equal(p.more, s.more, `${label}: more in timeline ${direction}`);
  }
  const [chartS, chartP] = await both((store) => store.reads.histogram(filter, 100));
  assert.deepEqual(chartP, chartS, `${label}: histogram`);
  const [firstS, firstP] = await both((store) => store.reads.search(filter, PAGE, MARKS));
  assert.deepEqual(ids(firstP.hits), ids(firstS.hits), `${label}: search's first page`);
  // SQLite's count on the first page is exact unless it says capped ("at least").
  if (!firstS.capped) assert.deepEqual([firstP.total, firstP.capped], [firstS.total, false], `${label}: search's count`);
  if (exportAll) {
    const all = async (store: StoreEngine) => {
      const found: number[] = [];
      for await (const entry of store.reads.exportEntries(filter)) found.push(entry.id);
      return found;
    };
    const [s, p] = await both(all);
    assert.deepEqual(p, s, `${label}: export`);
  }
  return countS;
}

test(
  `the same deliveries in SQLite and PostgreSQL answer every search alike (${ENTRIES} entries, ${QUERIES} generated queries, seed ${SEED})`,
  { skip, timeout: 60 * 60 * 1000 },
  async (t) => {
    const { sqlite, pg: pgStore, cluster, sqlitePath } = await openEngines();
    // Months apart, received out of time order, in two domains, some entries delivered twice.
    const months = [Date.UTC(2024, 2, 3), Date.UTC(2024, 0, 10), Date.UTC(2024, 1, 20), Date.UTC(2023, 11, 31, 22)];
    const share = Math.floor(ENTRIES / (months.length + 1));
    const payloads: Array<{ xml: string; domain: string; fn: string }> = months.map((start, i) => ({
      xml: syntheticPayload({ entries: share, rooms: 20, seed: 11 + i, start, users: 300 }),
      domain: i === 3 ? 'd2' : 'd1',
      fn: i % 2 ? 'sendArchive' : 'sendOfflineMessages',
    }));
    // A far outlier (the chart sets it apart), and a delivery repeating part of the first month's.
    payloads.push({
      xml: syntheticPayload({ entries: 2, rooms: 1, seed: 99, start: Date.UTC(2005, 5, 1), users: 5 }),
      domain: 'd1',
      fn: 'sendArchive',
    });
    const repeat = syntheticPayload({ entries: Math.floor(share / 4), rooms: 20, seed: 11, start: months[0]!, users: 300 });
    payloads.push({ xml: repeat.replace('callID="synthetic"', 'callID="again"'), domain: 'd1', fn: 'sendOfflineMessages' });
    payloads.push({ xml: messagesXml({ tricky: trickyEntries(Date.UTC(2024, 1, 1)) }), domain: 'd1', fn: 'sendOfflineMessages' });
    for (const store of [sqlite, pgStore]) {
      const outcomes = await Promise.all(
        payloads.map(({ xml, domain, fn }, i) => {
          const d = delivery(xml, { domain, fn, receivedAt: 1_700_000_000_000 + i });
          return store.writes.receive(d.meta, d.parsed);
        }),
      );
      assert.ok(
        outcomes.every((o) => o.status === 'stored'),
        JSON.stringify(outcomes.map((o) => o.status)),
      );
    }

    // Review data on the same entries and rooms in both (written as rows: the review writes are not behind the seam yet).
    const all: Array<{ id: number; content: string | null; userId: string | null; room: string; timestamp: number }> = [];
    for await (const entry of sqlite.reads.exportEntries({})) all.push(entry);
    const next = random(SEED + 1);
    const tagged = all.filter(() => next() < 0.03).map((e) => e.id);
    const urgent = all.filter(() => next() < 0.01).map((e) => e.id);
    const noted = all.filter(() => next() < 0.02).map((e) => e.id);
    const review = (roomId: number) => all.filter((e) => e.room === `room-${roomId}`).at(-40)?.timestamp ?? 0;
    const reviewStatements = (placeholder: (i: number) => string) => [
      `INSERT INTO tags (name, colour, created_at) VALUES ('Urgent', '#f00', 0)`,
      ...tagged.map(
        (id) =>
          `INSERT INTO tag_links (target, target_id, tag_id, at, moderator) SELECT 'entry', ${id}, id, 0, 't' FROM tags WHERE name = 'spam'`,
      ),
      ...urgent.map(
        (id) =>
          `INSERT INTO tag_links (target, target_id, tag_id, at, moderator) SELECT 'entry', ${id}, id, 0, 't' FROM tags WHERE name = 'Urgent'`,
      ),
      ...noted.map((id) => `INSERT INTO notes (target, target_id, text, moderator, at) VALUES ('entry', ${id}, ${placeholder(1)}, 't', 0)`),
      ...[1, 2, 3, 5, 8].map(
        (room) =>
          `INSERT INTO room_reviews (room_id, reviewed_to, moderator, at) SELECT id, ${review(room)}, 't', 0 FROM rooms WHERE name = 'room-${room}'`,
      ),
    ];
    const file = new Database(sqlitePath);
    file.transaction(() => {
      for (const sql of reviewStatements(() => "'a note'")) file.exec(sql);
    })();
    file.close();
    const client = new pg.Client(cluster.url);
    await client.connect();
    await client.query('BEGIN');
    for (const sql of reviewStatements(() => "'a note'")) await client.query(sql);
    await client.query('COMMIT');
    await client.end();

    // The stores hold the same entries, with the same ids: every field of every entry alike.
    const pgAll: unknown[] = [];
    for await (const entry of pgStore.reads.exportEntries({})) pgAll.push(entry);
    assert.equal(pgAll.length, all.length);
    assert.deepEqual(pgAll, all, 'the exported entries');

    // Picked by hand: the edges of tokens, phrases, prefixes, exclusions and filters.
    const picked = [
      'cafe',
      'CAFÉ crème',
      'café*',
      'naive',
      '"naïve naive"',
      "don't",
      '"don t"',
      'a&b',
      '"c d"',
      'straße',
      'strasse',
      'istanbul',
      'σίσυφος',
      'ΣΊΣΥΦΟΣ',
      '日本',
      '日本語テキスト',
      '日*',
      '😀',
      '&&',
      '"&&" hello',
      'hello -"&&"',
      '-&&',
      '"the the"',
      '"the the the"',
      '"the cat"',
      '"cat the"*',
      'x'.repeat(600),
      `${'x'.repeat(599)}y`,
      'xxx*',
      `${'x'.repeat(550)}*`,
      'longword',
      't012345',
      't0123*',
      '"t000010 t000011"',
      '"t000011 t000010"',
      'hello -world',
      '-hello',
      '-hello -world',
      '-the',
      '"hello world"',
      '"world hello"',
      'hello-world',
      'fine',
      'stop',
      'ǆ',
      'AND',
      'near',
      'content',
      '"quoted"',
      'the',
      'th*',
      't*',
      'the -a',
      'tag:spam',
      'tag:urgent',
      'tag:URGENT the',
      'has:note',
      'has:note the',
      'status:unreviewed',
      'status:unreviewed the',
      'in:room-1 the',
      'in:tricky',
      'in:salle',
      'from:user_1',
      'from:user_1 hello',
      'type:join',
      'type:announcement',
      'before:2024-01-15',
      'after:2024-02-25 the',
      'after:2024-01-01 before:2024-01-31 status:unreviewed',
      'before:2006-01-01',
      'zzznothing',
      '',
    ];
    for (const input of picked) {
      const { filter, errors } = parseSearch(input);
      assert.deepEqual(errors, [], input);
      await compare(sqlite, pgStore, filter, JSON.stringify(input), { exportAll: true });
    }
    // The chart of everything sets the two 2005 entries apart (the path that reads the hourly activity and its outliers).
    assert.equal((await pgStore.reads.histogram({}, 100)).outliers?.before, 2);
    for (const room of ['room-1', 'tricky', 'salle-9 ✨', 'nowhere'])
      await compare(sqlite, pgStore, { room }, `room ${room}`, { exportAll: true });

    const corpus = corpusOf(all);
    let asked = 0;
    let found = 0;
    await fc.assert(
      fc.asyncProperty(queryArbitrary(corpus), async ({ input, room }) => {
        const { filter, errors } = parseSearch(input, room ? { room } : {});
        if (errors.length) return;
        asked += 1;
        const count = await compare(sqlite, pgStore, filter, `${JSON.stringify(input)}${room ? ` in room ${room}` : ''}`, {
          exportAll: asked % 10 === 0,
        });
        if (count > 0) found += 1;
      }),
      { numRuns: QUERIES, seed: SEED, endOnFailure: false },
    );
    assert.ok(asked > QUERIES * 0.8, `only ${asked} of ${QUERIES} generated queries were valid`);
    // Not a comparison of empty answers: most queries find something.
    assert.ok(found > asked * 0.3, `only ${found} of ${asked} queries found any entry`);
    t.diagnostic(`${asked} generated queries compared, ${found} of them with hits`);
  },
);
