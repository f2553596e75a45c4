// The audit trail proves its own completeness: an anchor kept elsewhere (omv audit anchor, an
// export's manifest) catches a trail cut short, rewritten, filled in or rolled back after it was
// made — each of which the chain alone verifies as intact. And every write that takes data out or
// changes who is acting is in the trail.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ApiArgs, PlainMethod } from '../shared/api.js';
import { setSetting } from '../main/store/settings.js';
import { startApp } from '../main/app.js';
import { importFile } from '../main/intake/fileImport.js';
import { appendAudit, listAudit, verifyAudit } from '../main/store/audit.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { setReportStatus } from '../main/store/reports.js';
import { saveSearch } from '../main/store/savedSearches.js';
import { addWatchTerms } from '../main/store/watchlist.js';
import { omv } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { ABUSE_CONVERSATION_XML, messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const BASE = Date.UTC(2025, 0, 1);
const env = { ...process.env, OMV_MODERATOR: 'mod-anna' };

async function deskWithChat(): Promise<{ dir: string; path: string }> {
  const dir = tempDir();
  const path = join(dir, 'omv.sqlite');
  const db = openDatabase(path);
  const file = join(dir, 'chat.xml');
  writeFileSync(
    file,
    messagesXml({ lobby: Array.from({ length: 6 }, (_, i) => ({ ts: BASE + i * 1000, user: `u${i % 2}`, content: `hello ${i}` })) }),
  );
  await importFile(db, file, { domainId: 'example.com' });
  db.close();
  return { dir, path };
}

/** Moderator actions, written now. */
function act(path: string, from: number, count: number): void {
  const db = openDatabase(path);
  db.transaction(() => {
    for (let i = 0; i < count; i++) appendAudit(db, 'tagged', 'mod-anna', { entry: from + i, tag: 'spam' });
  })();
  db.close();
}

/** What someone with write access to the file does to make a changed trail verify: recompute every hash. */
function rechain(db: Db): void {
  let previous = '0'.repeat(64);
  const rows = db.prepare<[], { id: number; at: number; moderator: string; action: string; details: string }>(
    'SELECT id, at, moderator, action, details FROM audit_log ORDER BY id',
  );
  const update = db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ?, details_sha256 = ?, redacted_at = NULL WHERE id = ?');
  let n = 0;
  for (const row of rows.all()) {
    const digest = createHash('sha256').update(row.details).digest('hex');
    const hash = createHash('sha256')
      .update(`${previous}\nv2\n${JSON.stringify([row.id, row.at, row.moderator, row.action, digest])}`)
      .digest('hex');
    update.run(previous, hash, digest, row.id);
    previous = hash;
    n += 1;
  }
  db.prepare('INSERT INTO audit_head (one, rows, hash) VALUES (1, ?, ?) ON CONFLICT (one) DO UPDATE SET rows = ?, hash = ?').run(
    n,
    previous,
    n,
    previous,
  );
}

async function anchorOf(path: string): Promise<string> {
  const printed = await omv(['audit', '--db', path, 'anchor']);
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^\d+:[0-9a-f]{64}\n$/);
  return printed.stdout.trim();
}

async function verify(path: string, ...args: string[]) {
  return omv(['audit', '--db', path, 'verify', ...args]);
}

test('an anchor made before catches a trail cut short, even when the log and its head are cut together', async () => {
  const { path } = await deskWithChat();
  act(path, 1, 5);
  const anchor = await anchorOf(path);
  assert.equal(anchor.split(':')[0], '5');
  const db = openDatabase(path);
  db.exec('DELETE FROM audit_log WHERE id > 3');
  rechain(db);
  db.close();
  assert.equal((await verify(path)).stdout, 'audit chain intact: 3 rows\n', 'the chain alone cannot tell');
  const caught = await verify(path, '--anchor', anchor);
  assert.equal(caught.code, 1);
  assert.match(
    caught.stdout,
    /^audit chain broken at row 5: the anchor 5:[0-9a-f]{12}… names row 5, but the trail holds 3: it was cut short or rolled back/,
  );

  const wiped = openDatabase(path);
  wiped.exec('DELETE FROM audit_log; DELETE FROM audit_head;');
  wiped.close();
  assert.equal((await verify(path)).stdout, 'audit chain intact: 0 rows\n');
  assert.equal((await verify(path, '--anchor', anchor)).code, 1);
});

test('an export manifest is an anchor: a rewritten trail (another moderator, recomputed hashes) fails against it', async () => {
  const { dir, path } = await deskWithChat();
  act(path, 1, 2);
  const out = join(dir, 'evidence.csv');
  const exported = await omv(['export', '--db', path, '--out', out], { env });
  assert.equal(exported.code, 0, exported.stderr);
  const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, 'utf8')) as { auditRow: number; auditHash: string };
  assert.match(manifest.auditHash, /^[0-9a-f]{64}$/);
  act(path, 10, 2);
  assert.equal((await verify(path, '--manifest', `${out}.manifest.json`)).code, 0);
  assert.match(
    (await verify(path, '--manifest', `${out}.manifest.json`)).stdout,
    /^anchors: 1 held \(the manifest .*evidence\.csv\.manifest\.json\)$/m,
  );

  const db = openDatabase(path);
  db.prepare("UPDATE audit_log SET moderator = 'mod-bob' WHERE id = 1").run();
  rechain(db);
  db.close();
  assert.equal((await verify(path)).code, 0, 'the chain alone verifies a consistent rewrite');
  const caught = await verify(path, '--manifest', `${out}.manifest.json`);
  assert.equal(caught.code, 1);
  assert.match(
    caught.stdout,
    new RegExp(`^audit chain broken at row ${manifest.auditRow}: it is not the row the manifest .* names .*rewritten`),
  );
});

test('a row filled in before an anchor is caught by it; one appended back-dated is caught by its date', async () => {
  const { path } = await deskWithChat();
  act(path, 1, 4);
  const anchor = await anchorOf(path);
  const db = openDatabase(path);
  // A row slipped in as row 2: every later row moves up one and the chain is recomputed.
  db.exec('UPDATE audit_log SET id = id + 100 WHERE id >= 2; UPDATE audit_log SET id = id - 99 WHERE id >= 100');
  db.prepare(
    "INSERT INTO audit_log (id, at, moderator, action, details, prev_hash, hash) VALUES (2, ?, 'mod-anna', 'tagged', '{}', '', '')",
  ).run(Date.now());
  rechain(db);
  db.close();
  assert.equal((await verify(path)).code, 0);
  assert.equal((await verify(path, '--anchor', anchor)).code, 1);

  const { path: other } = await deskWithChat();
  act(other, 1, 4);
  const late = openDatabase(other);
  appendAudit(late, 'untagged', 'mod-anna', { entry: 1 }, Date.UTC(2024, 11, 31));
  late.close();
  const backdated = await verify(other);
  assert.equal(backdated.code, 1);
  assert.match(backdated.stdout, /^audit chain broken at row 5: it is dated 2024-12-31T00:00:00\.000Z, before row 4 .*back-dated/);
});

test('a database rolled back to an earlier backup fails against an anchor or a manifest made since', async () => {
  const { dir, path } = await deskWithChat();
  act(path, 1, 3);
  const backup = join(dir, 'backup.sqlite');
  assert.equal((await omv(['backup', '--db', path, backup], { env })).code, 0);
  act(path, 10, 1);
  const out = join(dir, 'later.csv');
  assert.equal((await omv(['export', '--db', path, '--out', out], { env })).code, 0);
  const anchor = await anchorOf(path);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  copyFileSync(backup, path);
  assert.equal((await verify(path)).code, 0, 'the backup is a whole trail of its own');
  const byAnchor = await verify(path, '--anchor', anchor);
  assert.equal(byAnchor.code, 1);
  assert.match(byAnchor.stdout, /it was cut short or rolled back/);
  const byManifest = await verify(path, '--manifest', `${out}.manifest.json`);
  assert.equal(byManifest.code, 1);
  assert.match(byManifest.stdout, /names row \d+, but the trail holds 3/);
});

test("a report's status change that names a row past the end of the trail shows the trail was cut, with no anchor", async () => {
  const dir = tempDir();
  const path = join(dir, 'omv.sqlite');
  const db = openDatabase(path);
  const file = join(dir, 'report.xml');
  writeFileSync(file, ABUSE_CONVERSATION_XML);
  await importFile(db, file, { domainId: 'example.com' });
  setReportStatus(db, { id: 1, to: 'in review', moderator: 'mod-anna' });
  setReportStatus(db, { id: 1, to: 'actioned', reason: 'threats', moderator: 'mod-anna' });
  db.pragma('foreign_keys = OFF'); // as whoever edits the file by hand has it
  db.exec('DELETE FROM audit_log; DELETE FROM audit_head;');
  assert.deepEqual(verifyAudit(db), {
    intact: false,
    rows: 0,
    badRow: 2,
    why: "a report's status change names row 2, but the trail holds 0: it was cut short",
  });
  db.close();
});

test('renaming who did something breaks the chain at that row', async () => {
  const { path } = await deskWithChat();
  act(path, 1, 3);
  const db = openDatabase(path);
  db.prepare("UPDATE audit_log SET moderator = 'mod-bob' WHERE id = 2").run();
  db.close();
  const verdict = await verify(path);
  assert.equal(verdict.code, 1);
  assert.match(verdict.stdout, /^audit chain broken at row 2: its content was changed after it was written/);
});

test('a trail written by an older omv (details in the hash) still verifies, and the rows after it chain on', async () => {
  const { path } = await deskWithChat();
  const db = openDatabase(path);
  // The first form, as migration 0040 wrote rows: the details themselves in the hash.
  let previous = '0'.repeat(64);
  for (let id = 1; id <= 2; id++) {
    const details = JSON.stringify({ entry: id });
    const hash = createHash('sha256')
      .update(`${previous}\n${JSON.stringify([id, BASE + id, 'mod-old', 'tagged', details])}`)
      .digest('hex');
    db.prepare('INSERT INTO audit_log (id, at, moderator, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      id,
      BASE + id,
      'mod-old',
      'tagged',
      details,
      previous,
      hash,
    );
    previous = hash;
  }
  db.prepare('INSERT INTO audit_head (one, rows, hash) VALUES (1, 2, ?)').run(previous);
  appendAudit(db, 'untagged', 'mod-anna', { entry: 1 }, BASE + 10);
  assert.deepEqual(verifyAudit(db), { intact: true, rows: 3 });
  db.prepare('UPDATE audit_log SET details = \'{"entry":9}\' WHERE id = 1').run();
  assert.equal(verifyAudit(db).intact, false);
  db.close();
});

test('writes that take data out or change who acts are in the trail: export to standard output, backup, quarantine retry', async () => {
  const { dir, path } = await deskWithChat();
  const toStdout = await omv(['export', '--db', path], { env });
  assert.equal(toStdout.code, 0, toStdout.stderr);
  const sha = createHash('sha256').update(toStdout.stdout).digest('hex');
  assert.match(toStdout.stderr, new RegExp(`recorded as audit row 2 \\(sha256 ${sha}\\)`));
  assert.equal((await omv(['backup', '--db', path, join(dir, 'copy.sqlite')], { env })).code, 0);
  const db = openDatabase(path);
  db.prepare(
    `INSERT INTO deliveries (source, function, domain_id, received_at, payload, payload_size, sha256, status, error)
     VALUES ('callback', 'sendOfflineMessages', 'example.com', 1, ?, 3, 'x', 'quarantined', 'malformed')`,
  ).run(Buffer.from('<a>'));
  db.close();
  assert.equal((await omv(['quarantine', '--db', path, 'retry'], { env })).code, 0);
  const rows = listAudit(openDatabase(path, { readOnly: true })).map((row) => [row.moderator, row.action, row.details]);
  assert.deepEqual(rows.slice(0, 2), [
    ['mod-anna', 'export started', { to: '(standard output)', format: 'csv', query: null, filter: {}, withReview: false, ids: 'real' }],
    ['mod-anna', 'export', { file: '(standard output)', query: null, filter: {}, rows: 6, sha256: sha, ids: 'real', started: 1 }],
  ]);
  assert.deepEqual(rows[2]!.slice(0, 2), ['mod-anna', 'backup']);
  assert.equal((rows[2]![2] as { to: string }).to, join(dir, 'copy.sqlite'));
  assert.deepEqual(rows[3], ['mod-anna', 'quarantine retry', { stored: [], quarantined: [2] }]);
});

test("the desk's own writes are in the trail: a new moderator name, cleared alerts, an opened saved search, a retry, and an export cut short", async () => {
  const { path } = await deskWithChat();
  const db = openDatabase(path);
  setSetting(db, 'moderator', 'mod-anna'); // named on the desk's first start
  addWatchTerms(db, 'scam', 'mod-anna');
  const saved = saveSearch(db, 'hellos', 'hello', 'mod-anna');
  const app = await startApp({ db, port: 0, viewer: true, log: () => {} });
  const desk = <M extends PlainMethod>(method: M, args: ApiArgs<M>) => app.service.call(app.service.localActor(), method, args);
  try {
    await desk('setModerator', { name: 'Anna K' });
    await desk('setModerator', { name: 'Anna K' }); // no change, no row
    const sent = await postForm(
      callbackUrl(app.receiver!.callbackUrl, { function: 'sendOfflineMessages', domainID: 'example.com', callID: 'c1' }),
      messagesXml({ lobby: [{ ts: BASE + 60_000, user: 'u9', content: 'a scam offer' }] }),
    );
    assert.equal(sent.status, 200, sent.text);
    for (let tries = 0; (await desk('receiverStatus', {})).alerts === 0 && tries < 200; tries++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await desk('watchMatches', { markSeen: true });
    await desk('watchMatches', { markSeen: true }); // nothing left to clear, no row
    await desk('openSavedSearch', { id: saved.id });

    // A download the reader abandons after the first bytes.
    const { Writable } = await import('node:stream');
    const abandoned = new Writable({
      write(_chunk, _encoding, done) {
        this.destroy();
        done();
      },
    });
    await assert.rejects(app.service.exportCsv(app.service.localActor(), { filter: {} }, abandoned, { path: null, name: 'x.csv' }));
  } finally {
    await app.close();
  }
  const rows = listAudit(db).map((row) => [row.moderator, row.action, row.details]);
  db.close();
  assert.deepEqual(
    rows.slice(2).map(([moderator, action]) => `${String(moderator)} ${String(action)}`),
    ['Anna K moderator named', 'Anna K alerts cleared', 'Anna K search opened', 'Anna K export started', 'Anna K export failed'],
  );
  assert.deepEqual(rows[2]![2], { from: 'mod-anna', to: 'Anna K' });
  assert.deepEqual(rows[3]![2], { alerts: 1 });
  assert.deepEqual(rows[4]![2], { name: 'hellos', query: 'hello' });
  assert.equal((rows[6]![2] as { started: number }).started, 6);
});
