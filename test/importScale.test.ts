// Imports at size: an interrupted import that a second run completes, adding only what is
// missing, and a receiver that answers while a large file is imported. (Peak memory against the
// size of the file is a figure of npm run bench.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase } from '../main/store/db.js';
import { CLI, omv } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { startTestReceiver } from './support/receiver.js';
import { tempDir } from './support/tmp.js';

test('an import killed midway leaves a consistent database, and running it again adds only what is missing', async () => {
  const dir = tempDir();
  const file = join(dir, 'big.xml');
  const dbPath = join(dir, 'omv.sqlite');
  await writeSyntheticFile(file, { entries: 400_000, rooms: 8, seed: 3 });

  // Made (and migrated) before the import starts: the import does not wait on this connection's first writes.
  const db = openDatabase(dbPath);
  const count = db.prepare('SELECT count(*) FROM entries').pluck();
  const child = spawn(process.execPath, [CLI, 'import', '--db', dbPath, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Kill it once some batches are committed but well before the end.
  for (let waited = 0; (count.get() as number) < 60_000 && child.exitCode === null && waited < 60_000; waited += 20)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal(child.exitCode, null, `the import ended before it could be killed midway: ${stderr}`);
  child.kill('SIGKILL');
  await exited;
  assert.equal(child.signalCode, 'SIGKILL');

  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const partial = count.get() as number;
  assert.ok(partial >= 60_000 && partial < 400_000, `${partial} entries stored before the kill`);
  assert.equal(db.prepare("SELECT status FROM deliveries WHERE source = 'import'").pluck().get(), 'importing');
  // It is not invisible: omv quarantine list names it, with what to do.
  assert.match(
    (await omv(['quarantine', '--db', dbPath, 'list'])).stdout,
    /^1\t.*\timport .*big\.xml\t\d+ bytes\tnot finished \(interrupted, or running now\): omv import the file again\n1 imports not finished$/m,
  );
  const roomTotals = () => db.prepare('SELECT sum(entry_count) FROM rooms').pluck().get();
  assert.equal(roomTotals(), partial, 'room counts match the committed entries');

  const again = await omv(['import', '--db', dbPath, file]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`: 400000 entries \\(${400_000 - partial} new\\)`));
  assert.equal(count.get(), 400_000);
  assert.equal(roomTotals(), 400_000);
  assert.deepEqual(db.prepare('SELECT status, entry_count FROM deliveries').all(), [{ status: 'stored', entry_count: 400_000 }]);
  assert.equal(
    db.prepare("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'hello'").pluck().get(),
    db.prepare("SELECT count(*) FROM entries WHERE content LIKE '%hello%'").pluck().get(),
  );
  db.close();
});

test('a receiver keeps answering callbacks while a large file is imported into its database', async () => {
  const receiver = await startTestReceiver();
  const file = join(tempDir(), 'big.xml');
  await writeSyntheticFile(file, { entries: 300_000, rooms: 20, seed: 3 });
  let importing = true;
  const imported = importFile(receiver.db, file).finally(() => (importing = false));
  const duringImport: number[] = [];
  for (let n = 0; importing; n++) {
    const xml = messagesXml({ live: [{ ts: 1_700_000_000_000 + n, user: 'u', content: `live ${n}` }] });
    const answer = await postForm(callbackUrl(receiver.callbackUrl, { function: 'sendOfflineMessages', callID: String(n) }), xml);
    assert.equal(answer.status, 200, answer.text);
    if (importing) duringImport.push(n);
  }
  assert.equal((await imported).newEntries, 300_000);
  // Answered while the import ran, not queued behind it (one answered in time is the property).
  assert.ok(duringImport.length >= 1, 'no callback was answered until the import had finished');
  const live = receiver.db.prepare("SELECT count(*) FROM entries WHERE content LIKE 'live %'").pluck().get();
  assert.ok((live as number) >= duringImport.length);
});
