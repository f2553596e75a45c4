// The desk's imports, exports, purges and quarantine retries on PostgreSQL do what they do on
// SQLite: each made through the API's service on both engines over the same data
// (reviewOnBothEngines.ts), with the same answers, the same audit rows, the same events told to the
// desks, the same bytes exported and the same manifest; the stored state after each read alike.
import assert from 'node:assert/strict';
import pg from 'pg';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import type { Actor } from '../shared/access.js';
import type { ApiArgs, ApiEvent, ExportResult } from '../shared/api.js';
import type { ExportManifest } from '../shared/review.js';
import type { OmvService } from '../main/api/service.js';
import { DAY, sameAnswer } from './support/deskOnBothEngines.js';
import { messagesXml } from './support/payloads.js';
import { mostQueriesAtOnce } from './support/pgQueriesAtOnce.js';
import { postgresSkipReason, query } from './support/postgres.js';
import {
  ACTORS,
  reviewOnBothEngines,
  sameChange,
  sameWork,
  type AuditTail,
  type ReviewOnBothEngines,
} from './support/reviewOnBothEngines.js';
import { tempDir } from './support/tmp.js';

const skip = postgresSkipReason();

/** A writable that keeps what it is given. */
function collector(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { out, bytes: () => Buffer.concat(chunks) };
}

/** The manifest with what differs by engine and moment checked and set aside: its hash is its audit row's in that engine's trail. */
async function checkedManifest(desk: ReviewOnBothEngines, engine: 'sqlite' | 'pg', manifest: ExportManifest): Promise<unknown> {
  const hash =
    engine === 'sqlite'
      ? desk.db.prepare<[number], string>('SELECT hash FROM audit_log WHERE id = ?').pluck().get(manifest.auditRow)
      : (await query<{ hash: string }>(desk.cluster.url, 'SELECT hash FROM audit_log WHERE id = $1', [manifest.auditRow]))[0]?.hash;
  assert.equal(manifest.auditHash, hash, `${engine}: the manifest names its audit row's hash`);
  assert.ok(Math.abs(Date.parse(manifest.exportedAt) - Date.now()) < 600_000, `${engine}: exportedAt is a time of the export`);
  return { ...manifest, auditHash: 'its audit row’s hash', exportedAt: 'when it was made' };
}

/** An export's events with the manifest's moment and hash set aside (checked on its answer). */
const toldOfExport = (event: ApiEvent) =>
  event.type === 'exportProgress' && event.manifest
    ? { ...event, manifest: { ...event.manifest, auditHash: 'its audit row’s hash', exportedAt: 'when it was made' } }
    : event;

// Made at the top (not in a `before` hook, whose tempDir() would be removed when the hook ends):
// the SQLite export reads the desk's file by its path, on a worker thread.
const desk = skip ? (undefined as unknown as ReviewOnBothEngines) : await reviewOnBothEngines();

/** The deliveries as each store has them now: which, in what state, why. */
async function sameDeliveries(): Promise<void> {
  const sqlite = desk.db
    .prepare<[], { id: number; status: string; error: string | null; entry_count: number | null }>(
      'SELECT id, status, error, entry_count FROM deliveries ORDER BY id',
    )
    .all();
  const pg = await query(desk.cluster.url, 'SELECT id::int, status, error, entry_count::int FROM deliveries ORDER BY id');
  assert.deepEqual(pg, sqlite, 'the deliveries');
}

/** An error's logged ID is made afresh each time: set aside. */
const withoutLogIds = (outcome: unknown) => JSON.parse(JSON.stringify(outcome).replace(/logged as #[0-9a-f]+/g, 'logged as #…')) as unknown;

describe('the desk’s imports, exports, purges and quarantine retries on PostgreSQL', { skip }, () => {
  const dir = tempDir();
  after(() => desk?.close());

  /** An export through each engine's service, to a file (its bytes and manifest read back) or a download. */
  async function sameExport(actor: Actor, args: ApiArgs<'exportCsv'>, to: 'file' | 'download') {
    const path = join(dir, 'export.csv');
    return sameWork(
      desk,
      `${actor.name}: exportCsv(${JSON.stringify(args)}) to a ${to}`,
      async (service, engine) => {
        const download = collector();
        const { out } = to === 'file' ? { out: (await import('node:fs')).createWriteStream(path) } : download;
        const result = await service.exportCsv(actor, args, out, { path: to === 'file' ? path : null, name: 'export.csv' });
        const csv = to === 'file' ? readFileSync(path, 'utf8') : download.bytes().toString('utf8');
        const manifestFile = to === 'file' ? (JSON.parse(readFileSync(`${path}.manifest.json`, 'utf8')) as ExportManifest) : null;
        if (to === 'file') {
          assert.deepEqual(manifestFile, result.manifest, `${engine}: the manifest beside the file is the answer's`);
          rmSync(path);
          rmSync(`${path}.manifest.json`);
        }
        return { ...result, manifest: await checkedManifest(desk, engine, result.manifest), csv };
      },
      { told: toldOfExport },
    );
  }

  test('importing files: a new one, the same bytes again, a malformed one, one that is not there; answers, audit rows, progress and the stored entries alike', async () => {
    const good = join(dir, 'good.xml');
    const again = join(dir, 'again.xml');
    const broken = join(dir, 'broken.xml');
    const xml = messagesXml({
      'imported "room"': [
        { ts: DAY + 5 * 86_400_000, user: 'u1', content: 'imported from a file' },
        { ts: DAY + 5 * 86_400_000 + 1, user: 'u7', content: 'a second imported line' },
      ],
      kitchen: [{ ts: DAY + 5 * 86_400_000 + 2, user: 'u2', content: 'the kitchen, imported' }],
    });
    writeFileSync(good, xml);
    writeFileSync(again, xml);
    writeFileSync(
      broken,
      `${messagesXml({ garden: [{ ts: DAY + 6 * 86_400_000, user: 'u5', content: 'before the break' }] }).slice(0, -40)}<<`,
    );
    const files = [
      { path: good, name: 'good.xml' },
      { path: again, name: 'again (a copy).xml' },
      { path: broken, name: 'broken.xml' },
      { path: join(dir, 'not-there.xml'), name: 'not-there.xml' },
    ];
    // A file that is not there fails as on SQLite, with a logged ID (its error is not one for the moderator).
    const imported = await sameWork(desk, 'importFiles', (service) => service.importFiles(ACTORS.lead, { files }), {
      compared: withoutLogIds,
    });
    assert.deepEqual(
      (imported.answered as Array<{ status: string }>).map((r) => r.status),
      ['new', 'duplicate', 'failed', 'failed'],
    );
    // A role without the permission is refused alike, nothing imported.
    assert.match(
      (await sameWork(desk, 'importFiles as a moderator', (service) => service.importFiles(ACTORS.moderator, { files }))).failed!,
      /^ForbiddenError/,
    );
    await sameAnswer(desk, 'rooms', {});
    await sameAnswer(desk, 'timeline', { filter: { room: 'imported "room"' }, limit: 10 });
    await sameAnswer(desk, 'search', { filter: { text: 'imported' }, limit: 10 });
    await sameDeliveries();
  });

  test('exporting CSV to a file and as a download: the same bytes, the same manifest (beside the file too), audit rows and progress; with the review’s columns and pseudonyms', async () => {
    // One query at a time on a session (pg 8 queues a second one, pg 9 will not take it): counted across every export below.
    const most = await mostQueriesAtOnce(async () => {
      const plain = await sameExport(ACTORS.admin, { filter: {} }, 'file');
      const result = plain.answered as ExportResult & { csv: string };
      assert.ok(result.rows > 100, `rows: ${result.rows}`);
      assert.match(result.csv, /^entry_id,time_utc,/);
      await sameExport(ACTORS.lead, { filter: { text: 'café' }, query: 'café' }, 'download');
      const reviewed = await sameExport(
        ACTORS.admin,
        { filter: { room: 'kitchen' }, query: 'in:kitchen', withReview: true, pseudonymous: true },
        'file',
      );
      const csv = (reviewed.answered as { csv: string }).csv;
      assert.match(csv, /,tags,notes,review_status\r?\n/);
      // The review's columns carry what the fixture put there: a tag, two notes, a review mark.
      assert.match(csv, /evidence;Follow-up/);
      assert.match(csv, /a note, ""quoted""\nover two lines \| a second note on it, edited/);
      assert.match(csv, /,reviewed\r?\n/);
      assert.match(csv, /,unreviewed\r?\n/);
      assert.doesNotMatch(csv, /,u[0-9],/, 'no user ID in a pseudonymous export');
      await sameExport(ACTORS.admin, { filter: { room: 'u2 ↔ u1' }, pseudonymous: true }, 'download');
      await sameExport(ACTORS.admin, { filter: {}, withReview: true }, 'download');
      // A role without the permission is refused alike.
      assert.match((await sameExport(ACTORS.moderator, { filter: {} }, 'download')).failed!, /^ForbiddenError/);
    });
    assert.equal(most, 1, 'a query asked on a PostgreSQL session while another was running there');
  });

  test('cancelling an export once it began (cancelExport): refused as cancelled alike, the trail says so', async () => {
    const cancelling = (service: OmvService, hub: ReviewOnBothEngines['hubs']['pg']) => {
      const stop = hub.subscribe((event) => {
        if (event.type === 'exportProgress' && event.total !== undefined && !event.done)
          void service.call(ACTORS.admin, 'cancelExport', {});
      });
      return stop;
    };
    const outcome = await sameWork(
      desk,
      'exportCsv cancelled',
      async (service, engine) => {
        const unsubscribe = cancelling(service, desk.hubs[engine]);
        try {
          return await service.exportCsv(ACTORS.admin, { filter: {} }, collector().out, { path: null, name: 'cut.csv' });
        } finally {
          unsubscribe();
        }
      },
      { told: toldOfExport },
    );
    assert.equal(outcome.failed, 'UserFacingError: the export was cancelled');
    const [{ action, details }] = (await query<{ action: string; details: string }>(
      desk.cluster.url,
      'SELECT action, details FROM audit_log ORDER BY id DESC LIMIT 1',
    )) as [{ action: string; details: string }];
    assert.equal(action, 'export failed');
    assert.equal((JSON.parse(details) as { error: string }).error, 'the export was cancelled');
  });

  test('retrying quarantined deliveries: one that still does not parse stays with its reason, one that now parses is stored, a large import read again from its file (or said gone); a delivery not in quarantine is refused alike', async () => {
    const broken = desk.db.prepare<[], number>("SELECT id FROM deliveries WHERE status = 'quarantined' ORDER BY id").pluck().all();
    assert.ok(broken.length >= 2, `quarantined: ${broken.join(', ')}`);
    const retried = await sameChange(desk, ACTORS.lead, 'retryQuarantined', {});
    assert.deepEqual(
      (retried.answered as Array<{ status: string }>).map((r) => r.status),
      broken.map(() => 'quarantined'),
    );
    // The parser now reads the first one (as after a fix): its bytes are made readable in both stores alike.
    const fixed = Buffer.from(messagesXml({ garden: [{ ts: DAY + 7 * 86_400_000, user: 'u5', content: 'released from quarantine' }] }));
    desk.db.prepare('UPDATE deliveries SET payload = ?, payload_note = NULL WHERE id = ?').run(fixed, broken[0]!);
    await query(desk.cluster.url, 'UPDATE deliveries SET payload = $1, payload_note = NULL WHERE id = $2', [fixed, broken[0]!]);
    const released = await sameChange(desk, ACTORS.admin, 'retryQuarantined', { id: broken[0]! });
    assert.deepEqual(released.answered, [{ id: broken[0]!, status: 'stored' }]);
    assert.match((await sameChange(desk, ACTORS.admin, 'retryQuarantined', { id: broken[0]! })).failed!, /is not in quarantine/);
    assert.match((await sameChange(desk, ACTORS.moderator, 'retryQuarantined', {})).failed!, /^ForbiddenError/);
    await sameDeliveries();
    await sameAnswer(desk, 'timeline', { filter: { room: 'garden' }, limit: 10 });
    await sameAnswer(desk, 'search', { filter: { text: 'released' }, limit: 10 });
    await sameAnswer(desk, 'rooms', {});

    // A large imported file's bytes are not in the store, only its path: it is imported again from
    // there (its delivery taken up); once the file is gone, it stays, saying so.
    const large = join(dir, 'large.xml');
    const bytes = Buffer.from(messagesXml({ garden: [{ ts: DAY + 7 * 86_400_000 + 1, user: 'u6', content: 'read again from its file' }] }));
    writeFileSync(large, bytes);
    const row = ['import', '', DAY, bytes.length, createHash('sha256').update(bytes).digest('hex'), large, 'quarantined', 'a read error'];
    const id = Number(
      desk.db
        .prepare(
          'INSERT INTO deliveries (source, domain_id, received_at, payload_size, sha256, file_path, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(...row).lastInsertRowid,
    );
    await query(
      desk.cluster.url,
      'INSERT INTO deliveries (id, source, domain_id, received_at, payload_size, sha256, file_path, status, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [id, ...row],
    );
    assert.deepEqual((await sameChange(desk, ACTORS.admin, 'retryQuarantined', { id })).answered, [{ id, status: 'stored' }]);
    await sameDeliveries();
    await sameAnswer(desk, 'search', { filter: { text: 'again' }, limit: 10 });
    const gone = join(dir, 'gone.xml');
    for (const update of [
      'UPDATE deliveries SET status = ?, file_path = ? WHERE id = ?',
      'UPDATE deliveries SET status = $1, file_path = $2 WHERE id = $3',
    ])
      if (update.includes('$')) await query(desk.cluster.url, update, ['quarantined', gone, id]);
      else desk.db.prepare(update).run('quarantined', gone, id);
    assert.deepEqual((await sameChange(desk, ACTORS.admin, 'retryQuarantined', { id })).answered, [
      { id, status: 'quarantined', reason: `the file ${gone} is gone` },
    ]);
  });

  test('purging: a dry run, then the purge: the same account (but the write-ahead log), audit row (but the months dropped), event; what is left reads alike', async () => {
    const cut = DAY + 2 * 86_400_000 + 30 * 60_000;
    const dry = await sameChange(desk, ACTORS.admin, 'purge', { before: cut, dryRun: true });
    assert.ok((dry.answered as { removed: number }).removed > 0);
    assert.match((await sameChange(desk, ACTORS.lead, 'purge', { before: cut })).failed!, /^ForbiddenError/);
    await sameChange(desk, ACTORS.admin, 'purge', { before: Number.NaN });
    const withoutWal = (outcome: unknown) => {
      const { answered } = outcome as { answered?: Record<string, unknown> };
      if (!answered) return outcome;
      const { walTruncated: _wal, ...rest } = answered;
      return { answered: rest };
    };
    const from = Date.now();
    const purged = await sameWork(desk, 'purge', (service) => service.call(ACTORS.admin, 'purge', { before: cut }), {
      compared: withoutWal,
      // PostgreSQL's row says how many whole months went as tables (none here: the month holds later entries).
      trail: (row: AuditTail, engine) => {
        if (engine !== 'pg' || row.action !== 'purge') return row;
        const { monthsDropped, ...details } = row.details as Record<string, unknown>;
        assert.equal(monthsDropped, 0);
        return { ...row, details };
      },
    });
    assert.ok((purged.answered as { removed: number }).removed > 0);
    assert.equal(
      ((await desk.services.pg.call(ACTORS.admin, 'purge', { before: cut, dryRun: true })) as { walTruncated: boolean }).walTruncated,
      false,
    );
    // The rooms it emptied in part say when (each engine's own moment of the purge) and of what.
    const to = Date.now();
    const rooms = async (run: typeof desk.sqlite) =>
      (await run('rooms', {})).map((room) => {
        if (room.purged) assert.ok(room.purged.at >= from && room.purged.at <= to, `${room.name}: purged at ${room.purged.at}`);
        return room.purged ? { ...room, purged: { ...room.purged, at: 'the purge' } } : room;
      });
    const [fromFile, fromPg] = [await rooms(desk.sqlite), await rooms(desk.pg)];
    assert.deepEqual(fromPg, fromFile);
    assert.ok(
      fromFile.some((room) => room.purged),
      'a room says it was purged',
    );
    await sameAnswer(desk, 'timeline', { filter: {}, limit: 500 });
    await sameDeliveries();
    await sameAnswer(desk, 'countEntries', { filter: {} });
  });
  // Last: it writes on PostgreSQL alone.
  test('two desks retrying the same delivery at once on PostgreSQL: it is stored once, the other is told it is not in quarantine', async () => {
    const [{ id }] = (await query<{ id: number }>(
      desk.cluster.url,
      `INSERT INTO deliveries (id, source, function, domain_id, received_at, payload, payload_size, sha256, status, error)
       SELECT max(id) + 1, 'import', NULL, '', $1, $2, 10, 'raced', 'quarantined', 'malformed' FROM deliveries RETURNING id::int`,
      [DAY, Buffer.from(messagesXml({ garden: [{ ts: DAY + 8 * 86_400_000, user: 'u5', content: 'retried twice at once' }] }))],
    )) as [{ id: number }];
    // The two meet at the same moment however fast this machine is: a side session holds the
    // delivery's row until both retries are seen waiting for it, then lets them go.
    const holder = new pg.Client({ connectionString: desk.cluster.url, application_name: 'test holder' });
    await holder.connect();
    let settled: Promise<PromiseSettledResult<unknown>[]> | undefined;
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE', [id]);
      settled = Promise.allSettled([
        desk.services.pg.call(ACTORS.admin, 'retryQuarantined', { id }),
        desk.services.pg.call(ACTORS.lead, 'retryQuarantined', { id }),
      ]);
      // Until both wait for it (or, were the lock not taken, are done without waiting: then the asserts below say so).
      let done = false;
      void settled.then(() => (done = true));
      while (!done) {
        const waiting = await holder.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted');
        if (waiting.rows[0]!.n === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    const outcomes = await settled!;
    const stored = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(stored.length, 1, JSON.stringify(outcomes));
    assert.deepEqual((stored[0] as PromiseFulfilledResult<unknown>).value, [{ id, status: 'stored' }]);
    assert.match(String((refused[0] as PromiseRejectedResult).reason), new RegExp(`delivery ${id} is not in quarantine`));
    assert.deepEqual(await query(desk.cluster.url, "SELECT count(*)::int AS n FROM entries WHERE content = 'retried twice at once'"), [
      { n: 1 },
    ]);
  });

  // PostgreSQL alone, as the test before.
  test('several exports with the review’s columns and pseudonyms at once on PostgreSQL: each written whole, the same bytes', async () => {
    const exports = Array.from({ length: 6 }, async () => {
      const download = collector();
      await desk.services.pg.exportCsv(ACTORS.admin, { filter: {}, withReview: true, pseudonymous: true }, download.out, {
        path: null,
        name: 'many.csv',
      });
      return download.bytes().toString('utf8');
    });
    const written = await Promise.all(exports);
    assert.ok(written[0]!.split('\r\n').length > 100);
    for (const csv of written) assert.equal(csv, written[0]);
  });
});
