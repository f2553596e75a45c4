// The operator's tools: omv backup while omv serve keeps receiving, omv check on a whole and on a
// damaged database, and omv serve saying plainly at start that its database is damaged.
import assert from 'node:assert/strict';
import { openSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../main/store/db.js';
import { omv, omvServe } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import Database from 'better-sqlite3';
import { migrate } from '../main/store/migrations/index.js';
import { messagesXml, SEED_XML } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const delivery = (n: number) =>
  messagesXml({
    [`room${n % 4}`]: Array.from({ length: 20 }, (_, i) => ({
      ts: 1_700_000_000_000 + n * 100 + i,
      user: `u${i}`,
      content: `delivery ${n} message ${i}`,
    })),
  });

test('omv backup copies the database while omv serve keeps receiving, and the copy checks out', async () => {
  const dir = tempDir();
  const dbPath = join(dir, 'omv.sqlite');
  const server = await omvServe(['--db', dbPath, '--quiet']);
  const send = (n: number) =>
    postForm(callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd', callID: `c${n}` }), delivery(n));
  for (let n = 0; n < 30; n++) assert.equal((await send(n)).status, 200);
  // Deliveries keep arriving during the backup.
  let sending = true;
  let sent = 30;
  const sender = (async () => {
    while (sending) assert.equal((await send(sent++)).status, 200);
  })();
  const backup = await omv(['backup', '--db', dbPath, join(dir, 'copy.sqlite')]);
  sending = false;
  await sender;
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, /^omv: backed up [\d,]+ pages to .*copy\.sqlite in [\d.]+ s; the copy checks out$/m);
  const copy = openDatabase(join(dir, 'copy.sqlite'), { readOnly: true });
  const stored = copy.prepare<[], number>("SELECT count(*) FROM deliveries WHERE status = 'stored'").pluck().get()!;
  assert.ok(stored >= 30, `the copy holds ${stored} deliveries; 30 were answered before it started`);
  assert.equal(copy.prepare<[], number>('SELECT count(*) FROM entries').pluck().get(), stored * 20, 'each delivery whole');
  copy.close();
  const again = await omv(['backup', '--db', dbPath, join(dir, 'copy.sqlite')]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /copy\.sqlite exists already/);
  // A destination that cannot be written is named as the backup's, not the database's.
  const nowhere = await omv(['backup', '--db', dbPath, join(dir, 'no-such-folder', 'copy.sqlite')]);
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stderr, /\nomv backup: could not write the backup to .*no-such-folder\/copy\.sqlite: .*directory does not exist\n$/);
  const check = await omv(['check', '--db', join(dir, 'copy.sqlite')]);
  assert.equal(check.code, 0, check.stdout);
});

test('omv check: a whole database is ok; a wrong counter and a damaged page are named, exit 1', async () => {
  const dir = tempDir();
  const dbPath = join(dir, 'omv.sqlite');
  const file = join(dir, 'd.xml');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    file,
    messagesXml(
      Object.fromEntries(
        Array.from({ length: 8 }, (_, r) => [
          `room${r}`,
          Array.from({ length: 400 }, (_, i) => ({
            ts: i * 1000 + r,
            user: `u${i % 9}`,
            content: `room ${r} says ${i} ${'padding '.repeat(20)}`,
          })),
        ]),
      ),
    ),
  );
  assert.equal((await omv(['import', '--db', dbPath, file])).code, 0);
  const healthy = await omv(['check', '--db', dbPath]);
  assert.equal(healthy.code, 0, healthy.stdout);
  assert.match(healthy.stdout, /^pages, structure and indexes: ok$/m);
  assert.match(healthy.stdout, /^full-text index against the entries: ok$/m);
  assert.match(healthy.stdout, /^database ok/m);

  const db = openDatabase(dbPath);
  db.prepare("UPDATE rooms SET entry_count = entry_count + 1 WHERE name = 'room3'").run();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const counted = await omv(['check', '--db', dbPath]);
  assert.equal(counted.code, 1);
  assert.match(counted.stdout, /^room entry counts: 1 problem\n {2}#room3: 401 kept, 400 entries$/m);
  assert.match(counted.stdout, /^database damaged\. Stop omv, keep the damaged file aside, and restore the latest backup/m);

  // Garbage over a page in the middle of the file.
  const fd = openSync(dbPath, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(statSync(dbPath).size / 4096 / 2) * 4096);
  closeSync(fd);
  const damaged = await omv(['check', '--db', dbPath]);
  assert.equal(damaged.code, 1);
  assert.match(damaged.stdout, /^pages, structure and indexes: \d+ problems?$/m);

  const server = await omvServe(['--db', dbPath, '--quiet']);
  for (let waited = 0; !/THE DATABASE IS DAMAGED/.test(server.output()) && waited < 100; waited++)
    await new Promise((resolve) => server.child.stderr!.once('data', resolve));
  assert.match(
    server.output(),
    /omv: THE DATABASE IS DAMAGED \(.*\)\. Stop omv, keep the damaged file aside, and restore the latest backup.*Run omv check for the details\./,
  );
});

test('omv check calls a healthy database with joins and leaves (entries without content) ok, also one an older omv wrote', async () => {
  const dir = tempDir();
  const dbPath = join(dir, 'omv.sqlite');
  const file = join(dir, 'seed.xml');
  const { writeFileSync } = await import('node:fs');
  // The vendor's sample: a leave and a join (no <content>) and one message.
  writeFileSync(file, SEED_XML);
  assert.equal((await omv(['import', '--db', dbPath, file])).code, 0);
  const fresh = await omv(['check', '--db', dbPath]);
  assert.equal(fresh.code, 0, fresh.stdout);
  assert.match(fresh.stdout, /^full-text index against the entries: ok$/m);

  // A database an older omv wrote (schema 60): its joins and leaves are not in the full-text index.
  const older = join(dir, 'older.sqlite');
  const raw = new Database(older);
  raw.pragma('journal_mode = WAL');
  migrate(raw, 60);
  raw.exec(`
    INSERT INTO deliveries (id, source, domain_id, received_at, payload_size, sha256, status) VALUES (1, 'import', 'd', 1, 0, 'h', 'stored');
    INSERT INTO rooms (id, domain_id, name, entry_count, last_ts) VALUES (1, 'd', 'lobby', 2, 3600001);
    INSERT INTO users (id, domain_id, user_id) VALUES (1, 'd', 'alice');
    INSERT INTO entries (id, room_id, type, ts, ts_raw, user_id, content, delivery_id, received_at, dedup_key)
      VALUES (1, 1, 'join', 3600000, '3600000', 1, NULL, 1, 1, 1), (2, 1, 'msg', 3600001, '3600001', 1, 'hello', 1, 1, 2);
    INSERT INTO entries_fts (rowid, content) VALUES (2, 'hello');
    INSERT INTO activity (room_id, hour, entries) VALUES (1, 1, 2);
  `);
  raw.close();
  const migrated = await omv(['check', '--db', older]);
  assert.equal(migrated.code, 0, migrated.stdout);
});
