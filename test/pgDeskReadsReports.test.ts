// The desk's review reads over PostgreSQL answer what they answer over the SQLite file the data came
// from: the abuse report queue (by status, by text: SQLite's LIKE folds ASCII letters only and
// takes % _ \ as they are), its counts, one report whole, the moderators a report can be given to
// (NOCASE order, ties in byte order), the connection lists page by page and each whole, the
// quarantine and its payloads (bytes that are not UTF-8, a payload that stayed a file), the audit
// trail with its verdict, whole and broken — and untrusted arguments (NaN, text for numbers, junk).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { QuarantinedDelivery } from '../shared/api.js';
import type {
  AbuseReportSummary,
  AuditRecord,
  AuditVerdict,
  ConnectionSnapshot,
  ConnectionSnapshotSummary,
  ReportDetail,
} from '../shared/review.js';
import { listReports } from '../main/store/reports.js';
import { listReports as pgListReports } from '../main/store/pg/desk/reports.js';
import { openWritePool } from '../main/store/pg/connection.js';
import { openPgEngine } from '../main/store/pg/engine.js';
import { pgReadRunner } from '../main/api/pgReadCalls.js';
import type { ReadArgs, ReadMethod } from '../main/api/readCalls.js';
import { deskOnBothEngines, sameAnswer, type DeskOnBothEngines } from './support/deskOnBothEngines.js';
import { postgresSkipReason } from './support/postgres.js';

const skip = postgresSkipReason();

/** Untrusted values where the desk sends a number. */
const NOT_NUMBERS = [Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1.5, 1e21, '2', 'x', null, true, [1], {}] as unknown as number[];

describe('the desk’s review reads on PostgreSQL', { skip }, () => {
  let desk: DeskOnBothEngines;
  before(async () => {
    desk = await deskOnBothEngines();
  });
  after(() => desk?.close());

  const answered = async <T>(answer: Promise<unknown>): Promise<T> => ((await answer) as { answered: T }).answered;

  test('the report queue: every status, and text found in a description, reason, reporter or accused as SQLite’s LIKE finds it', async () => {
    const all = await answered<AbuseReportSummary[]>(sameAnswer(desk, 'reports', {}));
    assert.ok(all.length >= 4, `the desk has reports to list (${all.length})`);
    assert.ok(
      all.some((r) => r.claim !== null && r.lastChange !== null && r.room !== null && r.entries > 0),
      'a claimed report in a room',
    );
    for (const status of ['open', 'in review', 'actioned', 'dismissed', 'bogus', 42, undefined] as const) {
      await sameAnswer(desk, 'reports', { status: status as 'open' });
    }
    const found: Record<string, number> = {};
    for (const text of [
      'pimp',
      'PIMP', // ASCII letters fold
      'école', // É does not fold: only the report that writes it so
      'ÉCOLE',
      'CAFé',
      'CAFÉ',
      'alice_42',
      '12345',
      '100%', // % is looked for as it is
      '%',
      '_',
      'spam_bot',
      'C:\\chat', // and so is a backslash
      '\\',
      '"x"',
      ' offensive ', // trimmed
      '',
      '   ',
      'nothing like it',
      '\uD800', // a lone surrogate: U+FFFD on both ways in
      'é'.repeat(10_000), // the longest text there is
      42,
      ['pimp'],
      {},
    ] as unknown as string[]) {
      for (const status of [undefined, 'open', 'actioned'] as const) {
        const reports = await answered<AbuseReportSummary[]>(sameAnswer(desk, 'reports', { text, ...(status ? { status } : {}) }));
        if (status === undefined && typeof text === 'string') found[text] = reports.length;
      }
    }
    assert.ok(found['pimp']! >= 2 && found['PIMP'] === found['pimp'], 'ASCII letters found in any case');
    assert.equal(found['école'], 1, 'é is not É');
    assert.equal(found['ÉCOLE'], 1, 'É is not é');
    assert.equal(found['CAFé'], 1);
    assert.equal(found['CAFÉ'], 0);
    assert.equal(found['%'], 2, 'a % is a %');
    assert.equal(found['\\'], 1, 'a backslash is a backslash');
    assert.ok(found['_']! >= 2 && found['spam_bot'] === 1, 'an underscore is an underscore');
  });

  test('a report search longer than 10,000 characters is refused with why, on both engines (SQLite failed with “LIKE or GLOB pattern too complex”)', async () => {
    for (const length of [60_000, 10_001])
      assert.deepEqual(await sameAnswer(desk, 'reports', { text: 'x'.repeat(length) }), {
        failed: `UserFacingError: reports are searched for at most 10,000 characters of text (this is ${length.toLocaleString('en')})`,
      });
    assert.deepEqual(await sameAnswer(desk, 'reports', { text: `  ${'%'.repeat(10_000)}  ` }), { answered: [] });
  });

  test('a NUL in a report search is looked for as U+FFFD, as the store keeps one, not taken as the end of the text (SQLite did)', async () => {
    // SQLite read "Café<NUL>" as the pattern "%Café": every description that ends in Café.
    assert.deepEqual(await sameAnswer(desk, 'reports', { text: 'Café\u0000' }), { answered: [] });
    assert.deepEqual(await sameAnswer(desk, 'reports', { text: 'Ca\u0000fé' }), { answered: [] });
  });

  test('reports by or against a user (the user record’s question): the same on both stores', async () => {
    for (const user of ['12345', '23456', 'Alice_42', 'alice_42', 'u4', 'nobody']) {
      const fromFile = listReports(desk.db, { user });
      assert.deepEqual(await pgListReports(desk.engine.reader.pool, { user }), fromFile, user);
      if (user === 'Alice_42') assert.equal(fromFile.length, 2);
    }
  });

  test('the counts by status', async () => {
    const counts = await answered<Record<string, number>>(sameAnswer(desk, 'reportCounts', {}));
    assert.ok(Object.values(counts).filter((n) => n > 0).length >= 3, `reports in three states: ${JSON.stringify(counts)}`);
  });

  test('one report whole: its fields, the reported messages oldest first, its history; a report that is not there is refused alike', async () => {
    const ids = (await answered<AbuseReportSummary[]>(sameAnswer(desk, 'reports', {}))).map((r) => r.id);
    let messages = 0;
    let history = 0;
    for (const id of ids) {
      const report = await answered<ReportDetail>(sameAnswer(desk, 'report', { id }));
      messages += report.messages.length;
      history += report.history.length;
    }
    assert.ok(messages >= 4 && history >= 4, `reports with messages and history (${messages}, ${history})`);
    assert.deepEqual(await sameAnswer(desk, 'report', { id: 999 }), { failed: 'ReportChangeError: no report 999' });
    for (const id of NOT_NUMBERS) await sameAnswer(desk, 'report', { id });
  });

  test('the moderators a report can be given to: in any case, ordered as NOCASE orders them', async () => {
    const names = await answered<string[]>(sameAnswer(desk, 'moderators', {}));
    for (const name of ['bob', 'maya', 'Maya', 'MAYA', 'élodie', 'Élodie', 'zoë'])
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    assert.ok(
      names.indexOf('MAYA') < names.indexOf('Maya') && names.indexOf('Maya') < names.indexOf('maya'),
      'names equal but for case, by their bytes',
    );
  });

  test('the connection lists, newest first, page by page, whatever the desk sends as a page', async () => {
    const all = await answered<{ snapshots: ConnectionSnapshotSummary[]; more: boolean }>(sameAnswer(desk, 'connectionSnapshots', {}));
    assert.ok(all.snapshots.length >= 4, `both kinds, twice (${all.snapshots.length})`);
    assert.ok(all.snapshots.some((s) => s.kind === 'rooms') && all.snapshots.some((s) => s.kind === 'connections'));
    for (const limit of [1, 2, 3, 100, 1e9, ...NOT_NUMBERS]) {
      let before: number | undefined;
      for (let page = 0; page < 6; page++) {
        const answer = await answered<{ snapshots: ConnectionSnapshotSummary[]; more: boolean }>(
          sameAnswer(desk, 'connectionSnapshots', { limit, ...(before === undefined ? {} : { before }) }),
        );
        if (!answer.more) break;
        before = answer.snapshots.at(-1)!.takenAt;
      }
    }
    const instants = all.snapshots.map((s) => s.takenAt);
    for (const before of [...instants, ...instants.map((t) => t + 0.5), 1e300, -1e300, ...NOT_NUMBERS])
      await sameAnswer(desk, 'connectionSnapshots', { before, limit: 2 });
  });

  test('a connection list whole: a roster’s rooms and who was in each, a messenger’s connections in the order sent; one that is not there is refused alike', async () => {
    const { snapshots } = await answered<{ snapshots: ConnectionSnapshotSummary[] }>(sameAnswer(desk, 'connectionSnapshots', {}));
    let people = 0;
    let connections = 0;
    for (const { kind, id } of snapshots) {
      const whole = await answered<ConnectionSnapshot>(sameAnswer(desk, 'connectionSnapshot', { kind, id }));
      if (whole.kind === 'rooms') people += whole.rooms.reduce((n, room) => n + room.users.length, 0);
      else connections += whole.connections.length;
    }
    assert.ok(people >= 9 && connections >= 9, `rosters and lists with something in them (${people}, ${connections})`);
    for (const kind of ['rooms', 'connections', 'bogus', undefined] as unknown as Array<'rooms'>) {
      await sameAnswer(desk, 'connectionSnapshot', { kind, id: 1 });
      await sameAnswer(desk, 'connectionSnapshot', { kind, id: 999 });
      for (const id of NOT_NUMBERS) await sameAnswer(desk, 'connectionSnapshot', { kind, id });
    }
    assert.deepEqual(await sameAnswer(desk, 'connectionSnapshot', { kind: 'connections', id: 999 }), {
      failed: 'UserFacingError: there is no connection list 999',
    });
  });

  test('a messenger’s connections stay in the order sent when the table is rewritten in another order (CLUSTER, as pg_repack or VACUUM FULL may)', async () => {
    const { snapshots } = await answered<{ snapshots: ConnectionSnapshotSummary[] }>(sameAnswer(desk, 'connectionSnapshots', {}));
    const lists = snapshots.filter((s) => s.kind === 'connections');
    const admin = openWritePool(desk.cluster.url);
    try {
      await admin.pool.query('CREATE INDEX im_connections_by_to ON im_connections (to_id DESC)');
      await admin.pool.query('CLUSTER im_connections USING im_connections_by_to');
      await admin.pool.query('DROP INDEX im_connections_by_to');
      // The rewrite did move rows: some list's rows no longer lie in the order they were written.
      const { rows } = await admin.pool.query<{ moved: boolean }>(
        `SELECT bool_or(place <> written) AS moved FROM (SELECT row_number() OVER (PARTITION BY snapshot_id ORDER BY ctid) AS place,
           row_number() OVER (PARTITION BY snapshot_id ORDER BY ordinal) AS written FROM im_connections) r`,
      );
      assert.equal(rows[0]!.moved, true, 'the table was rewritten out of the order sent');
      for (const { id } of lists) await sameAnswer(desk, 'connectionSnapshot', { kind: 'connections', id });
      const entries = desk.db.prepare<[], number>('SELECT id FROM entries ORDER BY id').pluck().all();
      for (const entryId of entries) await sameAnswer(desk, 'presence', { entryId });
    } finally {
      await admin.pool.end();
    }
  });

  test('the quarantine, and each payload in it as text: bytes that are not UTF-8, a byte-order mark, a payload that stayed a file', async () => {
    const held = await answered<QuarantinedDelivery[]>(sameAnswer(desk, 'quarantine', {}));
    assert.ok(held.length >= 4, `payloads in quarantine (${held.length})`);
    const texts: string[] = [];
    for (const { id } of held) texts.push(await answered<string>(sameAnswer(desk, 'quarantinePayload', { id })));
    assert.ok(texts.includes('<messageOffline><room><name>caf\uFFFD</x>'), 'a stray byte read as U+FFFD, the byte-order mark dropped');
    assert.ok(texts.includes('(the payload is the file /srv/chat/in "quotes".xml)'));
    assert.deepEqual(await sameAnswer(desk, 'quarantinePayload', { id: 1 }), {
      failed: 'UserFacingError: delivery 1 is not in quarantine',
    });
    for (const id of [999, ...NOT_NUMBERS, [held[0]!.id]] as unknown as number[]) await sameAnswer(desk, 'quarantinePayload', { id });
  });

  test('on a database that sorts text by a language’s rules (ICU en-US), names, rooms and IDs still come in SQLite’s byte order', async () => {
    const admin = openWritePool(desk.cluster.url);
    try {
      await admin.pool.query(
        `CREATE DATABASE omv_icu TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
      );
    } finally {
      await admin.pool.end();
    }
    const url = new URL(desk.cluster.url);
    url.pathname = '/omv_icu';
    const engine = await openPgEngine(url.toString());
    try {
      await engine.writes.copyFromSqlite(desk.db, () => undefined);
      const icu = pgReadRunner(engine);
      const { snapshots } = await desk.sqlite('connectionSnapshots', {});
      const questions: Array<[ReadMethod, ReadArgs<ReadMethod>]> = [
        ['moderators', {}],
        ['reports', {}],
        ['reports', { text: 'école' }],
        ...snapshots.map(({ kind, id }): [ReadMethod, ReadArgs<ReadMethod>] => ['connectionSnapshot', { kind, id }]),
      ];
      for (const [method, args] of questions)
        assert.deepEqual(await icu(method, args), await desk.sqlite(method, args), `${method}(${JSON.stringify(args)})`);
    } finally {
      await engine.close();
    }
  });

  test('the audit trail’s newest rows, oldest of them first, with the verdict on the chain: whole, then broken at the same row', async () => {
    const whole = await answered<{ rows: AuditRecord[]; verdict: AuditVerdict }>(sameAnswer(desk, 'audit', {}));
    assert.ok(whole.rows.length >= 10 && whole.verdict.intact, `a trail to read (${whole.rows.length} rows)`);
    for (const limit of [1, 5, 500, 1e9, ...NOT_NUMBERS]) await sameAnswer(desk, 'audit', { limit });

    // The same row edited in both stores: both find it, and say so alike.
    const row = whole.rows[3]!.id;
    desk.db.prepare('UPDATE audit_log SET details = ? WHERE id = ?').run('{"edited":true}', row);
    const writer = openWritePool(desk.cluster.url);
    try {
      await writer.pool.query('UPDATE audit_log SET details = $1 WHERE id = $2', ['{"edited":true}', row]);
    } finally {
      await writer.pool.end();
    }
    const broken = await answered<{ rows: AuditRecord[]; verdict: AuditVerdict }>(sameAnswer(desk, 'audit', { limit: 3 }));
    assert.deepEqual(broken.verdict.intact ? null : broken.verdict.badRow, row);
  });
});
