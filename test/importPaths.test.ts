// An import gives the same rows whichever path it takes: a large file into an empty database is
// bulk loaded (the secondary indexes and the full-text index built once at the end), a file into a
// database that already holds much more is written entry by entry; a bulk load cut short by
// kill -9 is finished by the next omv that opens the database, so nothing is left unindexed (one
// another machine began, once it has stopped writing for STALE_MS); and a file another omv is importing at the same moment is not written into its delivery beside it.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { importFile } from '../main/intake/fileImport.js';
import { beginBulkLoad, endBulkLoad, worthBulkLoading } from '../main/store/bulkLoad.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { insertDelivery } from '../main/store/deliveries.js';
import { STALE_MS } from '../main/store/importClaims.js';
import { PayloadWriter } from '../main/store/payloadWriter.js';
import { parseBytes } from '../main/parser/parse.js';
import { setSetting } from '../main/store/settings.js';
import { CLI } from './support/cli.js';
import { messagesXml, type EntrySpec } from './support/payloads.js';
import { SyntheticChat } from './support/synthetic.js';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { tempDir } from './support/tmp.js';

const dir = tempDir();

/** Everything an import writes, as text to compare (not when it was received: that is the clock's). */
function contents(db: Db): Record<string, unknown> {
  const all = (sql: string) => db.prepare(sql).raw().all();
  const words = ['hello', 'the', 'kar*', 'café', '"thanks belpa"', 'zzznothing'];
  return {
    entries: all(
      'SELECT id, room_id, type, ts, ts_raw, user_id, display_name, invisible, content, delivery_id, dedup_key FROM entries ORDER BY id',
    ),
    rooms: all('SELECT id, domain_id, name, entry_count, last_ts FROM rooms ORDER BY id'),
    users: all('SELECT id, domain_id, user_id, display_name FROM users ORDER BY id'),
    activity: all('SELECT room_id, hour, entries FROM activity ORDER BY room_id, hour'),
    deliveries: all(
      'SELECT id, source, status, kind, entry_count, new_entries, duplicates, first_ts, last_ts, repairs FROM deliveries ORDER BY id',
    ),
    indexes: all("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"),
    settings: all("SELECT key FROM settings WHERE key NOT IN ('watch_checked_to') ORDER BY key"),
    indexed: db.prepare('SELECT count(*) FROM entries_fts_docsize').pluck().get(),
    matches: words.map((word) => db.prepare('SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? ORDER BY rowid').pluck().all(word)),
  };
}

function assertWhole(db: Db): void {
  // FTS5's own check: every entry indexed, exactly as its content reads.
  db.exec("INSERT INTO entries_fts (entries_fts, rank) VALUES ('integrity-check', 1)");
  assert.equal(db.prepare('PRAGMA integrity_check').pluck().get(), 'ok');
  assert.equal(db.prepare("SELECT count(*) FROM settings WHERE key = 'bulk_load'").pluck().get(), 0, 'no bulk load left unfinished');
}

/** A large file (parsed in batches) with entries repeated inside it, and a second, overlapping one. */
async function files(): Promise<{ big: string; overlap: string }> {
  const big = join(dir, 'big.xml');
  const chat = new SyntheticChat({ entries: 45_000, rooms: 9, seed: 4 });
  const pieces = [...chat.document()];
  // The same room's first entries once more, at the end: the file repeats itself.
  const again = new SyntheticChat({ entries: 45_000, rooms: 9, seed: 4 });
  const repeat = `<room><name><![CDATA[${again.roomName(0)}]]></name><messages>\n${again.entriesXml(300)}</messages></room>\n`;
  pieces.splice(pieces.length - 1, 0, repeat);
  writeFileSync(big, pieces.join(''));
  assert.ok(statSync(big).size > 4 * 1024 * 1024, 'large enough to be parsed in batches');
  const overlap = join(dir, 'overlap.xml');
  const rooms: Record<string, EntrySpec[]> = { [chat.roomName(1)]: [], 'new room': [] };
  for (let i = 0; i < 50; i++) rooms['new room']!.push({ ts: 1_700_000_000_000 + i, user: `u${i % 4}`, content: `hello café ${i}` });
  writeFileSync(overlap, messagesXml(rooms, { callID: 'overlap' }));
  return { big, overlap };
}

test('a bulk load and an import entry by entry of the same files leave the same rows, indexes and full-text index', async () => {
  const { big, overlap } = await files();
  const bulk = openDatabase(join(dir, 'bulk.sqlite'));
  const plain = openDatabase(join(dir, 'plain.sqlite'));
  assert.equal(worthBulkLoading(bulk, statSync(big).size), true, 'an empty database takes the bulk path');
  for (const file of [big, overlap, big]) {
    const a = await importFile(bulk, file, { bulk: true });
    const b = await importFile(plain, file, { bulk: false });
    assert.deepEqual({ ...a, deliveryId: null }, { ...b, deliveryId: null }, file);
  }
  assert.equal(worthBulkLoading(bulk, statSync(big).size), false, 'a database as large as the file does not');
  assertWhole(bulk);
  assertWhole(plain);
  assert.deepEqual(contents(bulk), contents(plain));
  bulk.close();
  plain.close();
});

test('a bulk load cut short by kill -9 is finished by the next omv that opens the database, and importing the file again completes it', async () => {
  const big = join(dir, 'killed.xml');
  await writeSyntheticFile(big, { entries: 400_000, rooms: 20, seed: 12 });
  const path = join(dir, 'killed.sqlite');
  openDatabase(path).close();
  const child = spawn(process.execPath, [CLI, 'import', '--db', path, big], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // Killed once the load has begun and written entries (its indexes dropped, its content not yet indexed).
  const watch = openDatabase(path, { readOnly: true });
  for (;;) {
    const begun = watch.prepare("SELECT count(*) FROM settings WHERE key = 'bulk_load'").pluck().get() === 1;
    if (begun && (watch.prepare('SELECT count(*) FROM entries').pluck().get() as number) > 20_000) break;
    if (child.exitCode !== null) assert.fail('the import finished before it could be cut short: make the file larger');
    await sleep(20);
  }
  child.kill('SIGKILL');
  await exited;
  watch.close();

  const reopened = openDatabase(path);
  assertWhole(reopened);
  const partial = reopened.prepare('SELECT count(*) FROM entries').pluck().get() as number;
  assert.ok(partial > 0 && partial < 400_000, `cut short part way (${partial} entries)`);
  const again = await importFile(reopened, big, { bulk: true });
  assert.equal(again.status, 'new');
  assertWhole(reopened);

  const plain = openDatabase(join(dir, 'killed-plain.sqlite'));
  await importFile(plain, big, { bulk: false });
  const { entries: resumed, ...restResumed } = contents(reopened);
  const { entries: whole, ...restWhole } = contents(plain);
  // Ids differ where the resumed import skipped what the first attempt wrote: compare the entries by what they are.
  const byIdentity = (rows: unknown) => (rows as unknown[][]).map((row) => JSON.stringify(row.slice(1, 9).concat(row[10]))).sort();
  assert.deepEqual(byIdentity(resumed), byIdentity(whole));
  const counted = (rest: Record<string, unknown>) => ({
    ...rest,
    deliveries: null,
    matches: (rest['matches'] as unknown[][]).map((ids) => ids.length),
  });
  assert.deepEqual(counted(restResumed), counted(restWhole));
  reopened.close();
  plain.close();
});

test('a bulk load another machine began is left to it while its import writes (or its end holds the lock), and finished by the next opener once it has not written for STALE_MS, what was indexed meanwhile not indexed twice', async () => {
  const path = join(dir, 'elsewhere-load.sqlite');
  const db = openDatabase(path);
  const lines = Array.from({ length: 30 }, (_, i) => ({ ts: 1_700_000_000_000 + i, user: `u${i % 4}`, content: `loaded elsewhere ${i}` }));
  const meta = { source: 'import' as const, function: null, domainId: '', type: null, callId: null, receivedAt: Date.now(), payload: null };
  const id = insertDelivery(db, { ...meta, payloadSize: 1, sha256: 'elsewhere', filePath: '/elsewhere.xml' }, 'importing');
  // A load as its process leaves it part way: the indexes dropped, entries written, their content not yet indexed.
  const load = beginBulkLoad(db, id)!;
  const writer = new PayloadWriter(db, { deliveryId: id, domainId: '', receivedAt: Date.now(), deferIndexing: true });
  db.transaction(() => {
    for (const event of parseBytes(Buffer.from(messagesXml({ lobby: lines }))).events) writer.apply(event);
    writer.flush();
  })();
  endBulkLoad(load);
  // … on another machine: its record and its import's claim name that machine.
  const elsewhere = { pid: process.pid, host: `not-${hostname()}` };
  setSetting(db, 'bulk_load', JSON.stringify({ ...load, ...elsewhere }));
  const claimedAt = (opened: Db, at: number) => setSetting(opened, `import:${id}`, JSON.stringify({ ...elsewhere, at }));
  claimedAt(db, Date.now());
  db.close();
  const unfinished = (opened: Db) => opened.prepare("SELECT count(*) FROM settings WHERE key = 'bulk_load'").pluck().get() === 1;
  const found = (opened: Db) => opened.prepare("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'elsewhere'").pluck().get();

  const whileWriting = openDatabase(path);
  assert.ok(unfinished(whileWriting), 'left to the machine still writing it');
  assert.equal(found(whileWriting), 0);
  claimedAt(whileWriting, Date.now() - STALE_MS - 1000);
  whileWriting.close();

  // Silent for STALE_MS, but its end (one transaction) holds the write lock all the while: left to it, and the open goes on.
  const ending = new Database(path);
  ending.exec('BEGIN IMMEDIATE');
  const whileEnding = openDatabase(path, { busyTimeoutMs: 50 });
  assert.ok(unfinished(whileEnding), 'left to the machine ending it');
  whileEnding.close();
  ending.exec('ROLLBACK');
  ending.close();

  // Meanwhile an import of its file took over, entry by entry, and indexed what it wrote (its first entries here).
  const takeover = new Database(path);
  takeover.prepare('INSERT INTO entries_fts (rowid, content) SELECT id, content FROM entries ORDER BY id LIMIT 10').run();
  takeover.close();

  const after = openDatabase(path);
  assert.ok(!unfinished(after), 'finished by the next opener');
  assert.equal(found(after), 30);
  assert.deepEqual(
    after
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('entries_ts', 'entries_user_ts') ORDER BY name")
      .pluck()
      .all(),
    ['entries_ts', 'entries_user_ts'],
  );
  assertWhole(after);
  after.close();
});

test('a file another omv is importing now is refused, not written into the same delivery beside it; once that process is gone, importing it again completes it', async () => {
  const file = join(dir, 'claimed.xml');
  const lines = Array.from({ length: 40 }, (_, i) => ({ ts: 1_700_000_000_000 + i, user: `u${i % 3}`, content: `claimed ${i}` }));
  writeFileSync(file, messagesXml({ lobby: lines }));
  const db = openDatabase(join(dir, 'claimed.sqlite'));
  // The delivery another import made and claimed, as that one leaves it while it runs: a live process.
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  const gone = new Promise((resolve) => other.on('exit', resolve));
  try {
    const meta = {
      source: 'import' as const,
      function: null,
      domainId: '',
      type: null,
      callId: null,
      receivedAt: Date.now(),
      payload: null,
    };
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const id = insertDelivery(db, { ...meta, payloadSize: statSync(file).size, sha256, filePath: file }, 'importing');
    setSetting(db, `import:${id}`, JSON.stringify({ pid: other.pid, host: hostname(), at: Date.now() }));
    const refused = await importFile(db, file);
    assert.equal(refused.status, 'failed');
    assert.match(refused.error!, new RegExp(`another omv \\(process ${other.pid} on .+\\) is importing this file into this database now`));
    assert.equal(db.prepare('SELECT count(*) FROM entries').pluck().get(), 0, 'nothing written beside it');
  } finally {
    other.kill('SIGKILL');
    await gone;
  }
  const completed = await importFile(db, file);
  assert.deepEqual([completed.status, completed.newEntries], ['new', 40]);
  assert.deepEqual(db.prepare("SELECT key FROM settings WHERE key LIKE 'import:%'").pluck().all(), [], 'the claim ends with the import');
  assertWhole(db);
  db.close();
});

test('two imports of one file at once in one process (the desk’s imports share it) leave it to the first; a claim of another machine is taken over once it has gone stale', async () => {
  const file = join(dir, 'twice.xml');
  await writeSyntheticFile(file, { entries: 60_000, rooms: 5, seed: 21 });
  const db = openDatabase(join(dir, 'twice.sqlite'));
  const both = await Promise.all([importFile(db, file), importFile(db, file)]);
  const refused = both.find((result) => result.status === 'failed');
  const stored = both.find((result) => result.status === 'new');
  assert.ok(refused && stored, JSON.stringify(both.map((result) => [result.status, result.newEntries, result.error])));
  assert.match(refused.error!, /this omv is importing this file into this database now/);
  assert.equal(
    stored.newEntries,
    db.prepare('SELECT count(*) FROM entries').pluck().get(),
    'every entry counted by the one import that wrote it',
  );
  assertWhole(db);
  db.close();

  // Another machine's claim: not known to have gone while its import writes; taken over once it has not for STALE_MS.
  const other = join(dir, 'elsewhere.xml');
  writeFileSync(other, messagesXml({ lobby: [{ ts: 1_700_000_000_000, user: 'u1', content: 'from elsewhere' }] }));
  const desk = openDatabase(join(dir, 'elsewhere.sqlite'));
  const sha256 = createHash('sha256').update(readFileSync(other)).digest('hex');
  const meta = { source: 'import' as const, function: null, domainId: '', type: null, callId: null, receivedAt: Date.now(), payload: null };
  const id = insertDelivery(desk, { ...meta, payloadSize: statSync(other).size, sha256, filePath: other }, 'importing');
  const claimBy = (at: number) => setSetting(desk, `import:${id}`, JSON.stringify({ pid: 1, host: `not-${hostname()}`, at }));
  claimBy(Date.now());
  assert.equal((await importFile(desk, other)).status, 'failed');
  claimBy(Date.now() - STALE_MS - 1000);
  assert.deepEqual((await importFile(desk, other)).newEntries, 1);
  assertWhole(desk);
  desk.close();
});
