// New entries matched against the watchlist as they arrive, on a desk serving PostgreSQL as on one
// serving a SQLite file: `omv serve --store postgres://…` and `omv serve --db FILE` (the built
// CLI), real callbacks, the desk's API and its live events over the viewer. The same callbacks
// make the same alerts (the event every desk hears: how many found, by which terms, how many
// unseen), the same matches; an entry stored before a term was added is not matched by it
// (forward only); entries stored while the desk was down (omv import) are matched when it starts;
// an entry committed after a newer one, with a lower id (two desks writing one database), is matched;
// a term added while such an entry is on its way waits for it, and a saved search opened then waits
// for it too, so the entry is in the hits the moderator reads or counted new afterwards.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { openWritePool } from '../main/store/pg/connection.js';
import { openPgEngine } from '../main/store/pg/engine.js';
import { migratePg } from '../main/store/pg/migrations/index.js';
import { newestSettledEntryId } from '../main/store/pg/settledEntryId.js';
import type { SearchResult } from '../shared/api.js';
import { eventData } from '../shared/eventStream.js';
import type { SavedSearch } from '../shared/review.js';
import { parseSearch } from '../shared/searchQuery.js';
import { delivery } from './support/engines.js';
import { omv, omvServe, stop, type ServeProcess } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { postgresSkipReason, query, startPostgres, waitUntil } from './support/postgres.js';
import { tempDir } from './support/tmp.js';

const skip = postgresSkipReason();
const AT = Date.UTC(2025, 5, 1, 12);
/** Longer than any healthy loopback round: an alert that never comes fails the test instead of hanging the run. */
const NEVER = 60_000;

interface Served {
  server: ServeProcess;
  call<T>(method: string, args?: object): Promise<T>;
  deliver(callId: string, lines: string[], room?: string): Promise<number>;
  /** The watch alerts this desk hears, as they come. */
  alerts: Array<Record<string, unknown>>;
  nextAlert(): Promise<Record<string, unknown>>;
  close(): void;
}

async function serve(store: string[]): Promise<Served> {
  const server = await omvServe(store, { killAfterTest: false, env: { ...process.env, OMV_MODERATOR: 'maya' } });
  while (!/viewer at \S+/.test(server.output())) await new Promise((resolve) => setTimeout(resolve, 20));
  const viewer = new URL(/viewer at (\S+)/.exec(server.output())![1]!);
  const headers = { 'content-type': 'application/json', 'x-omv-key': viewer.searchParams.get('key')! };
  const listening = new AbortController();
  const stream = await fetch(`${viewer.origin}/api/events`, { headers, signal: listening.signal });
  const alerts: Array<Record<string, unknown>> = [];
  const waiting: Array<(alert: Record<string, unknown>) => void> = [];
  let heard = 0;
  void (async () => {
    try {
      for await (const data of eventData(stream.body!)) {
        const event = JSON.parse(data) as Record<string, unknown>;
        if (event['type'] !== 'watchAlert') continue;
        alerts.push(event);
        waiting.shift()?.(event);
      }
    } catch {
      // closed by close()
    }
  })();
  let sent = 0;
  return {
    server,
    alerts,
    async call<T>(method: string, args: object = {}) {
      const response = await fetch(`${viewer.origin}/api/${method}`, { method: 'POST', headers, body: JSON.stringify(args) });
      const body = (await response.json()) as { ok: boolean; value?: T; error?: string };
      assert.ok(body.ok, `${method}: ${body.error}`);
      return body.value as T;
    },
    async deliver(callId, lines, room = 'lobby') {
      const xml = messagesXml(
        { [room]: lines.map((content, i) => ({ ts: AT + sent++ * 1000 + i, user: `u${i}`, content })) },
        { callID: callId },
      );
      return (await postForm(callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd1', callID: callId }), xml))
        .status;
    },
    nextAlert() {
      const index = heard++;
      if (alerts[index]) return Promise.resolve(alerts[index]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no watch alert came; heard ${JSON.stringify(alerts)}`)), NEVER);
        waiting.push((alert) => {
          clearTimeout(timer);
          resolve(alert);
        });
      });
    },
    close() {
      listening.abort();
      stop(server.child);
    },
  };
}

/** What a desk on `store` hears and holds after the same callbacks, terms and import. */
async function watchedDay(store: string[]) {
  let desk = await serve(store);
  const heard: unknown[] = [];
  try {
    // Stored before any term: a term added later does not look back at it (that is "check existing entries").
    assert.equal(await desk.deliver('early', ['an early unicorn']), 200);
    assert.deepEqual(await desk.call('addWatchTerms', { text: 'unicorn\n"red dragon"' }), { added: ['unicorn', '"red dragon"'] });
    assert.equal(await desk.deliver('c1', ['a unicorn arrived', 'the red dragon and the unicorn', 'nothing to see']), 200);
    heard.push(await desk.nextAlert());
    assert.equal(await desk.deliver('c2', ['Red  dragon again']), 200);
    heard.push(await desk.nextAlert());
    assert.equal(await desk.deliver('c3', ['nothing watched']), 200);
  } finally {
    desk.close();
  }
  // Stored while no desk ran: matched when the next one starts.
  const file = join(tempDir(), 'while-down.xml');
  writeFileSync(file, messagesXml({ garden: [{ ts: AT + 100_000, user: 'u7', content: 'a unicorn in the garden' }] }));
  const imported = await omv(['import', ...store, file], { env: { OMV_MODERATOR: 'maya' } });
  assert.equal(imported.code, 0, imported.stderr);
  desk = await serve(store);
  try {
    // The first round runs as it starts, perhaps before this desk listened: its matches are there, then.
    for (const deadline = Date.now() + NEVER; ;) {
      const terms = await desk.call<Array<{ term: string; matches: number }>>('watchTerms');
      if (terms.find((t) => t.term === 'unicorn')?.matches === 3) break;
      assert.ok(Date.now() < deadline, `the imported unicorn was never matched: ${JSON.stringify(terms)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      heard,
      matches: await desk.call('watchMatches'),
      terms: (await desk.call<Array<{ term: string; matches: number }>>('watchTerms')).map((t) => [t.term, t.matches]),
    };
  } finally {
    desk.close();
  }
}

test(
  'new entries are matched against the watchlist as they arrive on a desk serving PostgreSQL, as on one serving a SQLite file',
  { skip },
  async () => {
    const cluster = await startPostgres();
    const onPg = await watchedDay(['--store', cluster.url]);
    const onFile = await watchedDay(['--db', join(tempDir(), 'desk.sqlite')]);
    assert.deepEqual(onFile.heard, [
      { type: 'watchAlert', found: 3, terms: ['unicorn', '"red dragon"'], unseen: 2 },
      { type: 'watchAlert', found: 1, terms: ['"red dragon"'], unseen: 3 },
    ]);
    assert.deepEqual(onPg.heard, onFile.heard, 'the alerts every desk hears');
    assert.deepEqual(onFile.terms, [
      ['"red dragon"', 2],
      ['unicorn', 3],
    ]);
    assert.deepEqual(onPg.terms, onFile.terms);
    assert.deepEqual(onPg.matches, onFile.matches, 'the matches, newest first, with their entries');
    const rows = await query<{ term: string; content: string }>(
      cluster.url,
      'SELECT w.term, e.content FROM watch_matches m JOIN watch_terms w ON w.id = m.term_id JOIN entries e ON e.id = m.entry_id ORDER BY e.id, w.id',
    );
    assert.deepEqual(rows, [
      { term: 'unicorn', content: 'a unicorn arrived' },
      { term: 'unicorn', content: 'the red dragon and the unicorn' },
      { term: '"red dragon"', content: 'the red dragon and the unicorn' },
      { term: '"red dragon"', content: 'Red  dragon again' },
      { term: 'unicorn', content: 'a unicorn in the garden' },
    ]);
  },
);

/**
 * A delivery to the garden through `desk`, held after it drew its ids: a side session holds the
 * garden's row (not the entries' key checks), which the delivery's group then waits for. `release`
 * lets it commit; `end` closes the side session.
 */
async function holdGardenDelivery(url: string, desk: Served, callId: string, lines: string[]) {
  const holder = new pg.Client(url);
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query("SELECT 1 FROM rooms WHERE name = 'garden' FOR NO KEY UPDATE");
    const answered = desk.deliver(callId, lines, 'garden');
    await waitUntil(url, "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE rooms%'");
    return { answered, release: async () => void (await holder.query('COMMIT')), end: () => holder.end() };
  } catch (error) {
    await holder.end();
    throw error;
  }
}

/**
 * Two desks serving one new PostgreSQL database, for `run`; a delivery `hold` holds through the
 * second (holdGardenDelivery) is let go, and the desks are closed, whatever `run` does.
 */
async function onTwoDesks(
  run: (desks: {
    url: string;
    first: Served;
    second: Served;
    hold: (callId: string, lines: string[]) => ReturnType<typeof holdGardenDelivery>;
  }) => Promise<void>,
): Promise<void> {
  const cluster = await startPostgres();
  const store = ['--store', cluster.url];
  const first = await serve(store);
  const second = await serve(store);
  const held: Array<Awaited<ReturnType<typeof holdGardenDelivery>>> = [];
  const hold = async (callId: string, lines: string[]) => {
    const holding = await holdGardenDelivery(cluster.url, second, callId, lines);
    held.push(holding);
    return holding;
  };
  try {
    await run({ url: cluster.url, first, second, hold });
  } finally {
    for (const holding of held) await holding.end();
    first.close();
    second.close();
  }
}

test(
  'on PostgreSQL an entry committed after a newer one, with a lower id (two desks receiving into one database), is matched as it arrives',
  { skip },
  async () => {
    await onTwoDesks(async ({ url, first, second, hold }) => {
      assert.deepEqual(await first.call('addWatchTerms', { text: 'unicorn' }), { added: ['unicorn'] });
      assert.equal(await second.deliver('garden-opens', ['the garden opens'], 'garden'), 200);
      // The second desk's next delivery is held after it drew its ids.
      const held = await hold('held', ['a unicorn held back']);
      // Meanwhile the first desk stores a newer entry, and its round matches it.
      assert.equal(await first.deliver('on-time', ['a unicorn on time']), 200);
      assert.deepEqual(await first.nextAlert(), { type: 'watchAlert', found: 1, terms: ['unicorn'], unseen: 1 });
      await held.release();
      assert.equal(await held.answered, 200);
      // The second desk hears the first's alert too (desks on one database hear each other's: api/neighbours.ts), and its own.
      const heardBySecond = [await second.nextAlert(), await second.nextAlert()].sort((a, b) => Number(a['unseen']) - Number(b['unseen']));
      assert.deepEqual(heardBySecond, [
        { type: 'watchAlert', found: 1, terms: ['unicorn'], unseen: 1 },
        { type: 'watchAlert', found: 1, terms: ['unicorn'], unseen: 2 },
      ]);
      const rows = await query<{ id: number; content: string }>(
        url,
        'SELECT e.id, e.content FROM watch_matches m JOIN entries e ON e.id = m.entry_id ORDER BY e.id',
      );
      assert.deepEqual(
        rows.map((row) => row.content),
        ['a unicorn held back', 'a unicorn on time'],
        'the entry held back has the lower id, and is matched',
      );
      assert.deepEqual(await query(url, 'SELECT * FROM watch_queue'), [], 'nothing left queued');
    });
  },
);

test(
  'on PostgreSQL a watch term added while a delivery is in flight waits for it: no entry committed after the term is added goes unmatched',
  { skip },
  async () => {
    await onTwoDesks(async ({ url, first, second, hold }) => {
      assert.equal(await second.deliver('garden-opens', ['the garden opens'], 'garden'), 200);
      // The second desk's next delivery is held after it drew its ids…
      const held = await hold('held', ['a unicorn held back']);
      // …while the first stores a newer entry: the newest id is above the held one's.
      assert.equal(await first.deliver('on-time', ['nothing watched yet']), 200);
      let added = false;
      const adding = first.call('addWatchTerms', { text: 'unicorn' }).then((answer) => {
        added = true;
        return answer;
      });
      // Given two seconds, the term is still not added: it waits for the delivery that drew a lower id.
      await Promise.race([adding, new Promise((resolve) => setTimeout(resolve, 2000))]);
      const addedWhileHeld = added;
      await held.release();
      assert.equal(await held.answered, 200);
      assert.deepEqual(await adding, { added: ['unicorn'] });
      assert.equal(
        addedWhileHeld,
        false,
        'the term was added while an entry with a lower id was still to commit: it would never be matched',
      );
      // The held entry came before the term (not matched); one after it is.
      assert.equal(await second.deliver('after', ['a unicorn after the term'], 'garden'), 200);
      await waitUntil(url, 'SELECT 1 FROM watch_matches');
      assert.deepEqual(await query(url, 'SELECT e.content FROM watch_matches m JOIN entries e ON e.id = m.entry_id'), [
        { content: 'a unicorn after the term' },
      ]);
    });
  },
);

test(
  'on PostgreSQL a saved search opened while a delivery with a lower id is in flight still shows its entry: in the search that follows, or counted new',
  { skip },
  async () => {
    await onTwoDesks(async ({ url, first, second, hold }) => {
      const saved = await first.call<SavedSearch>('saveSearch', { name: 'unicorns', query: 'unicorn' });
      assert.equal(await second.deliver('garden-opens', ['the garden opens'], 'garden'), 200);
      // The second desk's next delivery is held after it drew its ids…
      const held = await hold('held', ['a unicorn held back']);
      // …while the first stores a newer one: the newest id is above the held one's.
      assert.equal(await first.deliver('on-time', ['a unicorn on time']), 200);
      // The moderator opens the saved search and reads its hits, as the desk does.
      let seen: number[] | undefined;
      const reading = first.call('openSavedSearch', { id: saved.id }).then(async () => {
        const found = await first.call<SearchResult>('search', { filter: parseSearch('unicorn').filter, limit: 50 });
        return (seen = found.hits.map((hit) => hit.id));
      });
      await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 2000))]);
      const seenWhileHeld = seen;
      await held.release();
      assert.equal(await held.answered, 200);
      await reading;
      const unicorns = (await query<{ id: number }>(url, "SELECT id::int FROM entries WHERE content LIKE '%unicorn%' ORDER BY id")).map(
        (row) => row.id,
      );
      assert.equal(unicorns.length, 2);
      const [listed] = await first.call<SavedSearch[]>('savedSearches');
      const unseen = unicorns.filter((id) => !seen!.includes(id));
      assert.equal(
        listed!.newMatches,
        unseen.length,
        `the search read ${JSON.stringify(seen)} of ${JSON.stringify(unicorns)}; its new count must be the rest`,
      );
      assert.equal(seenWhileHeld, undefined, 'opened while an entry with a lower id was still to commit');
    });
  },
);

test(
  'on PostgreSQL the settled newest id waits for a writer holding the queue, and says so when it cannot wait longer',
  { skip },
  async () => {
    const cluster = await startPostgres();
    const engine = await openPgEngine(cluster.url);
    const holder = new pg.Client(cluster.url);
    await holder.connect();
    try {
      const { meta, parsed } = delivery(messagesXml({ lobby: [{ ts: AT, user: 'u1', content: 'one' }] }), { receivedAt: AT });
      await engine.writes.receive(meta, parsed);
      assert.equal(await newestSettledEntryId(engine.reader.pool, 0), 1, 'no writer: the newest id at once');
      // A writer that has drawn ids and not committed holds the queue as every adding transaction does.
      await holder.query('BEGIN');
      await holder.query("INSERT INTO watch_queue (first_id, last_id) SELECT nextval('entries_id_seq'), currval('entries_id_seq')");
      assert.equal(await newestSettledEntryId(engine.reader.pool, 300), null, 'still in flight after the wait');
      let settled = false;
      const settling = newestSettledEntryId(engine.reader.pool, NEVER).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(settled, false, 'answered while the writer was still in flight');
      await holder.query('COMMIT');
      assert.equal(await settling, 1, 'ended: the newest committed id as read before it');
    } finally {
      await holder.end();
      await engine.close();
    }
  },
);

test('on PostgreSQL, migrating a database of an older omv queues the entries its watch matching had not reached', { skip }, async () => {
  const cluster = await startPostgres();
  const engine = await openPgEngine(cluster.url);
  for (const [i, content] of ['one', 'two', 'three', 'four'].entries()) {
    const { meta, parsed } = delivery(messagesXml({ lobby: [{ ts: AT + i, user: 'u1', content }] }), { receivedAt: AT + i });
    await engine.writes.receive(meta, parsed);
  }
  const list =
    '<connectionList><server>im</server><c><f type="m">zed</f><t>amy</t></c><c><f type="m">amy</f><t>bob</t></c><c><f type="s">s1</f><t>cy</t></c></connectionList>';
  const listed = delivery(list, { fn: 'sendConnectionList', receivedAt: AT + 9 });
  await engine.writes.receive(listed.meta, listed.parsed);
  await engine.close();
  // The database as schema 410 had it (no queue, no ordinal, no pairs index), matched up to the second entry.
  const writer = openWritePool(cluster.url);
  try {
    await writer.pool.query(
      `DROP TABLE watch_queue; ALTER TABLE im_connections DROP COLUMN ordinal; CREATE INDEX im_connections_snapshot ON im_connections (snapshot_id);
       DROP INDEX entries_pairs; DROP FUNCTION omv_pairs;
       UPDATE settings SET value = '2' WHERE key = 'watch_checked_to'; UPDATE omv_schema SET version = 410`,
    );
    await migratePg(writer);
    assert.deepEqual(await query(cluster.url, 'SELECT first_id::int, last_id::int FROM watch_queue'), [{ first_id: 3, last_id: 4 }]);
    // And the connection list's rows got their ordinals in the order they lie (as they were written).
    assert.deepEqual(await query(cluster.url, 'SELECT from_id FROM im_connections ORDER BY ordinal'), [
      { from_id: 'zed' },
      { from_id: 'amy' },
      { from_id: 's1' },
    ]);
  } finally {
    await writer.pool.end();
  }
});
