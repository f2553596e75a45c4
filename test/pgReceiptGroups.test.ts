// PostgreSQL writes a group's deliveries together (store/pg/receipt.ts, payloadWriter.ts: a
// statement or two per table for all of them). What they leave must be what SQLite's writer leaves
// taking the same deliveries one after the other: the same rows with the same ids, the same
// outcomes; and a delivery that fails in a group fails alone.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { delivery, openEngines, type Engines, type TestDelivery } from './support/engines.js';
import { ABUSE_XML, messagesXml, ROOMS_XML } from './support/payloads.js';
import { postgresSkipReason } from './support/postgres.js';
import type { StoreEngine } from '../main/store/engine.js';

const skip = postgresSkipReason();
const engines: Engines | null = skip ? null : await openEngines();
const day = Date.UTC(2024, 4, 2);

const CONNECTION_LIST = `<?xml version="1.0" encoding="utf-8"?>
<connectionList>
  <server>im1.example.com</server>
  <c><f type="m">alice_42</f><t>bob</t></c>
  <c><f type="s">9f2c0e7a</f><t>carol</t></c>
</connectionList>`;

/** The rows a receipt writes, each table in a stable order, as plain values. */
const TABLES: Array<[table: string, columns: string, order: string]> = [
  [
    'deliveries',
    'id, function, domain_id, status, error, kind, entry_count, new_entries, duplicates, last_duplicate_at, first_ts, last_ts, repairs',
    'id',
  ],
  ['rooms', 'id, domain_id, name, entry_count, last_ts', 'id'],
  ['users', 'id, domain_id, user_id, display_name', 'id'],
  ['entries', 'id, room_id, type, ts, user_id, display_name, content, delivery_id, dedup_key', 'id'],
  ['activity', 'room_id, hour, entries', 'room_id, hour'],
  ['abuse_reports', 'id, delivery_id, reporting_user_id, abuser_user_id, description', 'id'],
  ['abuse_report_entries', 'report_id, entry_id', 'report_id, entry_id'],
  ['connection_snapshots', 'id, delivery_id, domain_id', 'id'],
  ['connection_snapshot_rooms', 'snapshot_id, room_id, user_count', 'snapshot_id, room_id'],
  ['connection_snapshot_users', 'snapshot_id, room_id, user_id', 'snapshot_id, room_id, user_id'],
  ['im_connection_snapshots', 'id, delivery_id, server', 'id'],
  ['im_connections', 'snapshot_id, from_kind, from_id, to_id', 'snapshot_id, from_id'],
];

async function dump(engines: Engines): Promise<{ sqlite: unknown; pg: unknown }> {
  const file = new Database(engines.sqlitePath, { readonly: true });
  // int8 as a number, as SQLite answers it (every value here is small).
  const types = { getTypeParser: (oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) };
  const client = new pg.Client({ connectionString: engines.cluster.url, types: types as pg.CustomTypesConfig });
  await client.connect();
  try {
    const sqlite: Record<string, unknown[]> = {};
    const pgRows: Record<string, unknown[]> = {};
    for (const [table, columns, order] of TABLES) {
      const sql = `SELECT ${columns} FROM ${table} ORDER BY ${order}`;
      sqlite[table] = file.prepare(sql).all();
      pgRows[table] = (await client.query(sql)).rows;
    }
    return { sqlite, pg: pgRows };
  } finally {
    file.close();
    await client.end();
  }
}

/** Hands every delivery to the store in the same turn (one group), each request's in order. */
const together = (store: StoreEngine, requests: TestDelivery[][]) =>
  Promise.all(
    requests.map((request) =>
      request.length === 1 ? store.writes.receive(request[0]!.meta, request[0]!.parsed).then((o) => [o]) : store.writes.receiveAll(request),
    ),
  );

test(
  'a group of deliveries leaves the same rows, ids and outcomes in PostgreSQL as SQLite writing them one after the other',
  { skip, timeout: 60_000 },
  async () => {
    const at = (n: number) => ({ receivedAt: 1_700_000_000_000 + n });
    const first = messagesXml({
      lobby: [
        { ts: day, user: 'u1', content: 'hi there' },
        { ts: day + 1, user: 'u2', displayName: 'Bea', content: 'yo' },
      ],
    });
    const requests = (): TestDelivery[][] => [
      [delivery(first, at(1))],
      // The first's entry again, now with a display name (it gets it); a room and a user new in the group.
      [
        delivery(
          messagesXml({
            lobby: [
              { ts: day, user: 'u1', displayName: 'Al', content: 'hi there' },
              { ts: day + 2, user: 'u1', displayName: 'Al', content: 'new here' },
            ],
            side: [{ ts: day + 3, user: 'u3', content: 'side talk' }],
          }),
          at(2),
        ),
      ],
      [delivery('not xml <', at(3))],
      // The same bytes as the first, in the same group: its duplicate.
      [delivery(first, at(4))],
      [delivery(ABUSE_XML, { fn: 'reportAbuse', ...at(5) })],
      [delivery(ROOMS_XML, { fn: 'sendConnectionList', ...at(6) })],
      [delivery(CONNECTION_LIST, { fn: 'sendConnectionList', ...at(7) })],
      // A request of two: an entry named already (kept), a user renamed, an entry twice in one payload
      // (the second carrier names it), and a repeat of the unreadable one (its duplicate).
      [
        delivery(
          messagesXml({
            lobby: [
              { ts: day + 2, user: 'u1', displayName: 'Other', content: 'new here' },
              { ts: day + 4, user: 'u1', displayName: 'Albert', content: 'renamed' },
              { ts: day + 5, user: 'u4', content: 'twice' },
              { ts: day + 5, user: 'u4', displayName: 'Dee', content: 'twice' },
            ],
            'side-2': [{ ts: day + 3_600_000 * 5, user: 'u3', content: 'an hour later' }],
          }),
          at(8),
        ),
        delivery('not xml <', at(9)),
      ],
      [
        delivery(messagesXml({ lobby: [{ ts: day + 6, user: 'u9', displayName: 'Nine', content: 'other domain' }] }), {
          domain: 'd2',
          ...at(10),
        }),
      ],
    ];
    const written = { ...engines!.pg.writes.commit.written };
    const outcomes = [await together(engines!.sqlite, requests()), await together(engines!.pg, requests())];
    // A second group: repeats of what the first stored.
    const later = (): TestDelivery[][] => [
      [delivery(first, at(11))],
      [
        delivery(
          messagesXml({
            lobby: [
              { ts: day + 1, user: 'u2', displayName: 'Bea', content: 'yo' },
              { ts: day + 7, user: 'u2', content: 'more' },
            ],
            // Stored without a display name by the first group: it gets this one.
            side: [{ ts: day + 3, user: 'u3', displayName: 'Cee', content: 'side talk' }],
          }),
          at(12),
        ),
      ],
    ];
    outcomes.push(await together(engines!.sqlite, later()), await together(engines!.pg, later()));
    assert.deepEqual(outcomes[1], outcomes[0]);
    assert.deepEqual(outcomes[3], outcomes[2]);
    // Written as groups, not one delivery after another after a failed attempt (which would answer alike).
    const { together: groups, oneByOne } = engines!.pg.writes.commit.written;
    assert.deepEqual({ together: groups - written.together, oneByOne: oneByOne - written.oneByOne }, { together: 2, oneByOne: 0 });
    const { sqlite, pg: pgRows } = await dump(engines!);
    for (const [table] of TABLES)
      assert.deepEqual((pgRows as Record<string, unknown>)[table], (sqlite as Record<string, unknown>)[table], table);
    // The group held what this test means it to: duplicates, a quarantine, fills, abuse links.
    const rows = sqlite as Record<string, Array<Record<string, unknown>>>;
    assert.deepEqual(
      rows['deliveries']!.map((d) => [d['status'], d['duplicates']]),
      [
        ['stored', 2],
        ['stored', 0],
        ['quarantined', 1],
        ['stored', 0],
        ['stored', 0],
        ['stored', 0],
        ['stored', 0],
        ['stored', 0],
        ['stored', 0],
      ],
    );
    assert.equal(rows['entries']!.find((e) => e['content'] === 'hi there')!['display_name'], 'Al');
    assert.equal(rows['entries']!.find((e) => e['content'] === 'twice')!['display_name'], 'Dee');
    assert.equal(rows['entries']!.find((e) => e['content'] === 'side talk')!['display_name'], 'Cee');
    assert.equal(rows['users']!.find((u) => u['user_id'] === 'u1')!['display_name'], 'Albert');
    assert.ok(
      rows['abuse_report_entries']!.length > 0 && rows['connection_snapshot_users']!.length > 0 && rows['im_connections']!.length === 2,
    );
  },
);

test('a delivery that fails in a group is rolled back and rejected alone; the others are stored', { skip, timeout: 60_000 }, async () => {
  const client = new pg.Client(engines!.cluster.url);
  await client.connect();
  try {
    // A server-side failure for one payload's entries only (a hostile payload the server refuses).
    await client.query(`
      CREATE FUNCTION refuse_explode() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.content = 'explode' THEN RAISE EXCEPTION 'refused: explode'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_explode BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION refuse_explode();`);
    const good1 = messagesXml({ failing: [{ ts: day + 100, user: 'f1', content: 'first good' }] });
    const bad = messagesXml({ failing: [{ ts: day + 101, user: 'f2', content: 'explode' }] });
    const good2 = messagesXml({ failing: [{ ts: day + 102, user: 'f3', content: 'second good' }] });
    const pgStore = engines!.pg;
    const rewritten = pgStore.writes.commit.written.oneByOne;
    const results = await Promise.allSettled(
      [good1, bad, good2, good1].map((xml) => pgStore.writes.receive(delivery(xml).meta, delivery(xml).parsed)),
    );
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason))),
      ['stored', 'error: refused: explode', 'stored', 'duplicate'],
    );
    assert.equal(pgStore.writes.commit.written.oneByOne, rewritten + 1, 'the group was tried together, then written one job at a time');
    const [one, , two, again] = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
    assert.equal(again!.deliveryId, one!.deliveryId);
    const rows = await client.query<{ content: string; delivery_id: string }>(
      "SELECT e.content, e.delivery_id FROM entries e JOIN rooms r ON r.id = e.room_id WHERE r.name = 'failing' ORDER BY e.id",
    );
    assert.deepEqual(
      rows.rows.map((r) => [r.content, Number(r.delivery_id)]),
      [
        ['first good', one!.deliveryId],
        ['second good', two!.deliveryId],
      ],
    );
    const stored = await client.query<{ n: number; dups: number }>(
      'SELECT count(*)::int AS n, max(duplicates)::int AS dups FROM deliveries WHERE sha256 = ANY($1)',
      [[good1, bad, good2].map((xml) => delivery(xml).meta.sha256)],
    );
    assert.deepEqual(stored.rows[0], { n: 2, dups: 1 });
  } finally {
    await client.query('DROP TRIGGER IF EXISTS refuse_explode ON entries; DROP FUNCTION IF EXISTS refuse_explode()').catch(() => undefined);
    await client.end();
  }
});

/** One delivery to the PostgreSQL store, as the receiver hands it over. */
const receive = (xml: string) => engines!.pg.writes.receive(delivery(xml).meta, delivery(xml).parsed);

test('a group is written beside one that waits (on a row another session holds), not after it', { skip, timeout: 120_000 }, async () => {
  // The rooms and users made first: groups making names go one at a time (payloadWriter.ts), these two need not.
  await receive(
    messagesXml({
      held: [
        { ts: day + 300, user: 'h1', content: 'makes the room' },
        { ts: day + 303, user: 'h2', content: 'and the users' },
      ],
      free: [{ ts: day + 304, user: 'h2', content: 'and another room' }],
    }),
  );
  // Another session holds the room's row: the next group counting entries into it waits for it.
  const holder = new pg.Client(engines!.cluster.url);
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query("SELECT id FROM rooms WHERE name = 'held' FOR UPDATE");
  let first: Promise<unknown> | undefined;
  try {
    first = receive(messagesXml({ held: [{ ts: day + 301, user: 'h1', content: 'waits for the room' }] }));
    for (let waiting = 0; waiting === 0; await sleep(20))
      waiting = (await holder.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
        .rows[0]!.n;
    const second = receive(messagesXml({ free: [{ ts: day + 302, user: 'h2', content: 'another room' }] }));
    const answered = await Promise.race([second.then(() => 'second'), first.then(() => 'first'), sleep(30_000).then(() => 'neither')]);
    assert.equal(answered, 'second', 'the second group committed while the first waited');
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
  assert.equal(((await first) as { status: string }).status, 'stored', 'the first group, let go, is stored');
});

test('a group PostgreSQL ends to break a deadlock is written again, together, not refused', { skip, timeout: 60_000 }, async () => {
  const client = new pg.Client(engines!.cluster.url);
  await client.connect();
  try {
    // The first attempt to write this entry ends as a deadlock would (40P01); a sequence counts the attempts (it is not rolled back).
    await client.query(`
      CREATE SEQUENCE deadlock_attempts;
      CREATE FUNCTION deadlock_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.content = 'deadlocked once' AND nextval('deadlock_attempts') = 1 THEN
          RAISE EXCEPTION 'deadlock detected (made by the test)' USING ERRCODE = '40P01';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER deadlock_once BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION deadlock_once();`);
    const oneByOne = engines!.pg.writes.commit.written.oneByOne;
    const outcomes = await Promise.all([
      receive(messagesXml({ locked: [{ ts: day + 400, user: 'd1', content: 'deadlocked once' }] })),
      receive(messagesXml({ locked: [{ ts: day + 401, user: 'd2', content: 'in the same group' }] })),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['stored', 'stored'],
    );
    assert.equal((await client.query<{ n: string }>('SELECT last_value AS n FROM deadlock_attempts')).rows[0]!.n, '2', 'tried twice');
    assert.equal(engines!.pg.writes.commit.written.oneByOne, oneByOne, 'written again as a group, not one delivery at a time');
  } finally {
    await client
      .query(
        'DROP TRIGGER IF EXISTS deadlock_once ON entries; DROP FUNCTION IF EXISTS deadlock_once(); DROP SEQUENCE IF EXISTS deadlock_attempts',
      )
      .catch(() => undefined);
    await client.end();
  }
});

test(
  'a group that needs a new month makes its partition once the other group has committed: no reader of entries waits behind it',
  { skip, timeout: 120_000 },
  async () => {
    await receive(messagesXml({ held: [{ ts: day + 500, user: 'm0', content: 'the room again' }] }));
    const holder = new pg.Client(engines!.cluster.url);
    const reader = new pg.Client(engines!.cluster.url);
    await Promise.all([holder.connect(), reader.connect()]);
    const month = Date.UTC(2031, 4, 10);
    let first: Promise<unknown> | undefined;
    let later: Promise<unknown> | undefined;
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT id FROM rooms WHERE name = 'held' FOR UPDATE");
      // A group held open (waiting for the room), its transaction on entries open…
      first = receive(messagesXml({ held: [{ ts: day + 501, user: 'm1', content: 'holds entries open' }] }));
      for (let waiting = 0; waiting === 0; await sleep(20))
        waiting = (await holder.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
          .rows[0]!.n;
      // … and one needing May 2031, whose partition does not exist yet.
      later = receive(messagesXml({ future: [{ ts: month, user: 'm2', content: 'a month not made yet' }] }));
      await sleep(1_000);
      const asked = await holder.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'entries'::regclass AND mode = 'AccessExclusiveLock' AND NOT granted",
      );
      assert.equal(asked.rows[0]!.n, 0, 'no CREATE TABLE … PARTITION OF waits on the open group');
      await reader.query("SET lock_timeout = '500ms'");
      assert.ok((await reader.query<{ n: number }>('SELECT count(*)::int AS n FROM entries')).rows[0]!.n > 0, 'entries are read meanwhile');
    } finally {
      await holder.query('ROLLBACK');
      await Promise.all([holder.end(), reader.end()]);
    }
    assert.deepEqual([((await first) as { status: string }).status, ((await later) as { status: string }).status], ['stored', 'stored']);
    const made = await engines!.pg.writes.commit.idle().then(() => pgMonth('entries_2031_05'));
    assert.equal(made, true, "May 2031's partition made once the first group committed");
  },
);

/** Whether a table of this name exists on the test cluster. */
async function pgMonth(name: string): Promise<boolean> {
  const client = new pg.Client(engines!.cluster.url);
  await client.connect();
  try {
    return (await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [name])).rows[0]!.found;
  } finally {
    await client.end();
  }
}
