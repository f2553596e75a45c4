// omv migrate-store, as an operator moves a desk to a team's PostgreSQL: a SQLite file with
// deliveries (two quarantined, an abuse report), review data written through the API (a tag, a
// note, a saved search, a watch term, a review mark) and its audit trail, copied with the built CLI.
// Then: every table holds what the file holds, row for row; the entries are what PostgreSQL's own
// receiver makes of the same deliveries (ids, full-text columns); searches answer alike; the audit
// chain verifies and goes on. A database that already holds data is refused, untouched.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { operatorActor } from '../main/api/actors.js';
import { cliService } from '../main/cli/common.js';
import { openDatabase } from '../main/store/db.js';
import { openPgEngine } from '../main/store/pg/engine.js';
import { openSqliteEngine } from '../main/store/sqliteEngine.js';
import { parseSearch } from '../shared/searchQuery.js';
import { omv, omvServe, stop } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { delivery, type TestDelivery } from './support/engines.js';
import { ABUSE_CONVERSATION_XML, messagesXml } from './support/payloads.js';
import { postgresSkipReason, query, startPostgres, type PgCluster } from './support/postgres.js';
import { tempDir } from './support/tmp.js';

const skip = postgresSkipReason();

function newDatabase(cluster: PgCluster, name: string): string {
  cluster.run('createdb', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', name]);
  return cluster.url.replace(/\/omv$/, `/${name}`);
}

const day = Date.UTC(2025, 4, 2);
const deliveries = (): TestDelivery[] => [
  delivery(
    messagesXml({
      'lobby "main"': [
        { ts: day + 1, user: 'u1', displayName: 'Ann', content: 'Héllo Wörld, the café is open' },
        { ts: day + 2, user: 'u2', content: 'it\'s "quoted", with a comma\nand a line' },
        { type: 'join', ts: day + 3, user: 'u3' },
      ],
      kitchen: [{ ts: day + 86_400_000 * 40, user: 'u1', content: '=HYPERLINK("x") spam spam' }],
    }),
  ),
  delivery(messagesXml({ lobby: [{ ts: day + 5, user: 'u4', content: 'ünïcödé ＦＵＬＬＷＩＤＴＨ 漢字 emoji 🎉 ok' }] }), { domain: 'd2' }),
  delivery('<messageOffline><room><name>broken', { receivedAt: 1_700_000_000_500 }),
  delivery(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x00, 0x01]), { fn: 'reportAbuse' }),
  delivery(ABUSE_CONVERSATION_XML, { fn: 'reportAbuse' }),
];

test(
  'omv migrate-store copies a desk into PostgreSQL: every row, the same entries the PostgreSQL receiver makes, searches alike, the audit chain verified and carried on',
  { skip },
  async () => {
    const cluster = await startPostgres();
    const file = join(tempDir(), 'desk.sqlite');
    const sqlite = openSqliteEngine(file);
    for (const { meta, parsed } of deliveries()) await sqlite.writes.receive(meta, parsed);
    await sqlite.close();
    const db = openDatabase(file);
    const service = await cliService(db);
    const actor = operatorActor(db, 'maya');
    await service.call(actor, 'createTag', { name: 'evidence', colour: '#aa3300', hold: true });
    const [entry] = db.prepare<[], number>("SELECT id FROM entries WHERE content LIKE '%HYPERLINK%'").pluck().all();
    await service.call(actor, 'tag', { tag: 'evidence', target: 'entry', ids: [entry!] });
    await service.call(actor, 'addNote', { target: 'entry', targetId: entry!, text: 'a note, "quoted"\nover two lines' });
    await service.call(actor, 'saveSearch', { name: 'cafés', query: 'café -spam' });
    await service.call(actor, 'addWatchTerms', { text: 'spam\nwörld' });
    await service.call(actor, 'markReviewed', { room: 'kitchen' });
    const fileTables = Object.fromEntries(
      db
        .prepare<[], string>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'entries_fts%'",
        )
        .pluck()
        .all()
        .map((table) => [table, db.prepare<[], number>(`SELECT count(*) FROM "${table}"`).pluck().get()!]),
    );
    const fileHead = db.prepare<[], { rows: number; hash: string }>('SELECT rows, hash FROM audit_head').get()!;
    db.close();

    const target = newDatabase(cluster, 'team');
    const run = await omv(['migrate-store', '--from', file, '--to', `${target}?password=s3cret`, '--as', 'maya']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /copied \d+ entries, 5 deliveries and \d+ tables in [\d.]+ s; every table's rows counted alike on both sides/);
    assert.match(
      run.stdout,
      new RegExp(`the audit chain verifies on PostgreSQL: ${fileHead.rows} rows, ending in the file's head ${fileHead.hash}`),
    );
    assert.doesNotMatch(run.stdout + run.stderr, /s3cret/);

    // Every table the file has (but the full-text index's, which PostgreSQL keeps in entries) holds as many rows there, the
    // move's own audit row aside, and the pseudonym salt the move made in the file (it had made no pseudonyms) and carried.
    for (const [table, rows] of Object.entries(fileTables)) {
      if (table === 'schema_version' || table === 'bulk_load') continue;
      const [{ n }] = (await query<{ n: number }>(target, `SELECT count(*)::int AS n FROM "${table}"`)) as [{ n: number }];
      assert.equal(n, table === 'audit_log' || table === 'settings' ? rows + 1 : rows, table);
    }
    // No desk matched the file's entries against its watchlist: all of them wait for the first round on PostgreSQL.
    assert.deepEqual(await query(target, 'SELECT first_id::int, last_id::int FROM watch_queue'), [
      { first_id: 1, last_id: (await query<{ n: number }>(target, 'SELECT max(id)::int AS n FROM entries'))[0]!.n },
    ]);
    // Row for row: the raw payloads (the quarantined ones' too), the review data, the trail.
    const pgRows = await query<{ id: number; status: string; payload: Buffer }>(
      target,
      'SELECT id::int, status, payload FROM deliveries ORDER BY id',
    );
    assert.deepEqual(
      pgRows.map((row) => [row.id, row.status, row.payload.toString('hex')]),
      deliveries().map((d, i) => [i + 1, i === 2 || i === 3 ? 'quarantined' : 'stored', Buffer.from(d.meta.payload!).toString('hex')]),
    );
    assert.deepEqual(await query(target, 'SELECT text FROM notes'), [{ text: 'a note, "quoted"\nover two lines' }]);
    assert.deepEqual(await query(target, 'SELECT name, query FROM saved_searches'), [{ name: 'cafés', query: 'café -spam' }]);
    const trail = await query<{ action: string; moderator: string }>(target, 'SELECT action, moderator FROM audit_log ORDER BY id');
    assert.deepEqual(trail.at(-1), { action: 'store migrated', moderator: 'maya' });

    // The entries are what PostgreSQL's receiver makes of the same deliveries: same ids, same full-text columns.
    const direct = await openPgEngine(newDatabase(cluster, 'direct'));
    for (const { meta, parsed } of deliveries()) await direct.writes.receive(meta, parsed);
    await direct.close();
    const entryColumns =
      'SELECT id::int, room_id::int, type, ts::text, ts_raw, user_id::int, display_name, invisible, content, dedup_key::text, words, lexemes::text FROM entries ORDER BY id';
    assert.deepEqual(await query(target, entryColumns), await query(target.replace(/\/team$/, '/direct'), entryColumns));
    // The indexes the copy set aside while entries arrived are built again, as the migrations made
    // them, on every partition; and the planner has the copied rows' statistics at once.
    const entryIndexes = `SELECT p.relname AS "table", pg_get_indexdef(i.indexrelid) AS definition, i.indisvalid AS valid
      FROM pg_index i JOIN pg_class p ON p.oid = i.indrelid
      WHERE p.oid = 'entries'::regclass OR p.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'entries'::regclass)
      ORDER BY 1, 2`;
    const movedIndexes = await query<{ table: string; definition: string; valid: boolean }>(target, entryIndexes);
    const madeIndexes = await query<{ table: string; definition: string; valid: boolean }>(
      target.replace(/\/team$/, '/direct'),
      entryIndexes,
    );
    const parentIndexes = (rows: typeof movedIndexes) => rows.filter((row) => row.table === 'entries').map((row) => row.definition);
    assert.deepEqual(parentIndexes(movedIndexes), parentIndexes(madeIndexes));
    assert.ok(
      movedIndexes.every((row) => row.valid),
      'every index valid',
    );
    for (const partition of new Set(movedIndexes.map((row) => row.table)))
      assert.equal(movedIndexes.filter((row) => row.table === partition).length, parentIndexes(madeIndexes).length, partition);
    assert.deepEqual(
      await query(
        target,
        `SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NULL AND n_live_tup > 0
         AND relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'entries'::regclass)`,
      ),
      [],
      'every partition holding entries analyzed',
    );

    // Searches answer alike on the file and on PostgreSQL.
    const fromFile = openSqliteEngine(file);
    const moved = await openPgEngine(target);
    try {
      for (const text of [
        'café',
        'wörld',
        'spam',
        '"with a comma"',
        'ful*',
        '漢字',
        'hello -spam',
        'from:u1',
        'tag:evidence',
        'has:note',
      ]) {
        const { filter } = parseSearch(text);
        const [a, b] = await Promise.all([fromFile.reads.search(filter, 50, ['[', ']']), moved.reads.search(filter, 50, ['[', ']'])]);
        assert.deepEqual(
          b.hits.map((hit) => hit.id),
          a.hits.map((hit) => hit.id),
          text,
        );
        assert.equal(b.total, a.total, text);
      }
      assert.deepEqual(await moved.reads.verifyAudit(), { intact: true, rows: fileHead.rows + 1 });
      // What arrives next follows the file's ids (the sequences were moved past them).
      const next = delivery(messagesXml({ lobby: [{ ts: day + 9, user: 'u9', content: 'after the move' }] }));
      const outcome = await moved.writes.receive(next.meta, next.parsed);
      assert.equal(outcome.deliveryId, deliveries().length + 1);
      const [newest] = await query<{ id: number; user_id: number }>(
        target,
        "SELECT id::int, user_id::int FROM entries WHERE content = 'after the move'",
      );
      const [maxima] = await query<{ entries: number; users: number }>(
        target.replace(/\/team$/, '/direct'),
        'SELECT (SELECT max(id) FROM entries)::int AS entries, (SELECT max(id) FROM users)::int AS users',
      );
      assert.deepEqual(newest, { id: maxima!.entries + 1, user_id: maxima!.users + 1 });
    } finally {
      await moved.close();
      await fromFile.close();
    }
    // The file is kept, and says where it went.
    const after = openDatabase(file, { readOnly: true });
    assert.equal(after.prepare<[], string>('SELECT action FROM audit_log ORDER BY id DESC LIMIT 1').pluck().get(), 'store migrated');
    after.close();
  },
);

test("omv migrate-store moves a desk whose audit trail is still empty, and the store's trail starts there", { skip }, async () => {
  const cluster = await startPostgres();
  const file = join(tempDir(), 'received-only.sqlite');
  const sqlite = openSqliteEngine(file);
  const [first] = deliveries();
  await sqlite.writes.receive(first!.meta, first!.parsed);
  await sqlite.close();
  const target = newDatabase(cluster, 'fresh');
  const run = await omv(['migrate-store', '--from', file, '--to', target, '--as', 'maya']);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /the audit chain verifies on PostgreSQL: 0 rows, ending in the file's head 0{64}/);
  const moved = await openPgEngine(target);
  try {
    await moved.writes.appendAudit('backup', 'maya', { after: 'the move' });
    assert.deepEqual(await moved.reads.verifyAudit(), { intact: true, rows: 2 });
    assert.deepEqual(
      (await query<{ action: string }>(target, 'SELECT action FROM audit_log ORDER BY id')).map((row) => row.action),
      ['store migrated', 'backup'],
    );
  } finally {
    await moved.close();
  }
});

test('a file that never made pseudonyms, migrated, gives the same pseudonyms on both sides afterwards', { skip }, async () => {
  const cluster = await startPostgres();
  const file = join(tempDir(), 'never-pseudonymous.sqlite');
  const sqlite = openSqliteEngine(file);
  const [first] = deliveries();
  await sqlite.writes.receive(first!.meta, first!.parsed);
  await sqlite.close();
  const target = newDatabase(cluster, 'pseudonyms');
  const run = await omv(['migrate-store', '--from', file, '--to', target]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const onFile = await omv(['export', '--db', file, '--pseudonymous']);
  const onPostgres = await omv(['export', '--store', target, '--pseudonymous']);
  assert.equal(onFile.code, 0, onFile.stderr);
  assert.equal(onPostgres.code, 0, onPostgres.stderr);
  assert.doesNotMatch(onFile.stdout, /,u[0-9],/, 'users are written by their pseudonyms');
  assert.equal(onPostgres.stdout, onFile.stdout);
});

test('omv migrate-store refuses a file another process has open, even a receiver doing nothing, and copies nothing', { skip }, async () => {
  const cluster = await startPostgres();
  const file = join(tempDir(), 'desk.sqlite');
  const sqlite = openSqliteEngine(file);
  await sqlite.writes.receive(deliveries()[0]!.meta, deliveries()[0]!.parsed);
  await sqlite.close();
  const target = newDatabase(cluster, 'moving');
  const receiving = await omvServe(['--db', file, '--no-viewer', '--quiet'], { killAfterTest: false });
  try {
    const refused = await omv(['migrate-store', '--from', file, '--to', target]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(
      refused.stderr,
      /another process has the SQLite file open \(omv serve, the desk, another omv command\): stop it, then migrate/,
    );
    // Refused before the database was touched: not even the schema is made.
    assert.deepEqual(await query(target, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"), [{ n: 0 }]);
    // The receiver still takes deliveries into its file: nothing was held back.
    const xml = messagesXml({ lobby: [{ ts: day + 9, user: 'u9', content: 'still arriving' }] });
    const answered = await postForm(
      callbackUrl(receiving.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd1', callID: 'late' }),
      xml,
    );
    assert.equal(answered.status, 200, answered.text);
  } finally {
    stop(receiving.child);
    await new Promise((resolve) => (receiving.child.exitCode === null ? receiving.child.once('exit', resolve) : resolve(undefined)));
  }
  const moved = await omv(['migrate-store', '--from', file, '--to', target]);
  assert.equal(moved.code, 0, moved.stderr + moved.stdout);
  assert.deepEqual(await query(target, 'SELECT count(*)::int AS n FROM deliveries'), [{ n: 2 }]);
});

test('omv migrate-store refuses a PostgreSQL database that holds data already, and changes nothing there', { skip }, async () => {
  const cluster = await startPostgres();
  const file = join(tempDir(), 'desk.sqlite');
  const sqlite = openSqliteEngine(file);
  await sqlite.writes.receive(deliveries()[0]!.meta, deliveries()[0]!.parsed);
  await sqlite.close();
  const target = newDatabase(cluster, 'busy');
  const busy = await openPgEngine(target);
  await busy.writes.receive(deliveries()[1]!.meta, deliveries()[1]!.parsed);
  await busy.close();
  const run = await omv(['migrate-store', '--from', file, '--to', target]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /the PostgreSQL database already holds deliveries, accounts or an audit trail: migrate into a new, empty database/,
  );
  assert.deepEqual(await query(target, 'SELECT content FROM entries'), [{ content: 'ünïcödé ＦＵＬＬＷＩＤＴＨ 漢字 emoji 🎉 ok' }]);

  const usage = await omv(['migrate-store', '--from', file]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /give --from FILE \(the SQLite database\) and --to postgres:\/\/… \(a new database\)/);
});
