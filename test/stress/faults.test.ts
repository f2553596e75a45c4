// Faults of the world under omv serve, real ones: a full disk (a small tmpfs), a database file
// that cannot be written (immutable), a database locked past the timeout. Each is answered 503,
// never 200 for what was not committed, with a log line that says what is wrong, and the server
// recovers by itself when the fault goes. Everything answered 200 is in the database afterwards.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../../main/store/db.js';
import { omvServe, stop, type ServeProcess } from '../support/cli.js';
import { callbackUrl, postForm } from '../support/http.js';
import { messagesXml } from '../support/payloads.js';
import { recordStress, type StressRow } from '../support/stressReport.js';
import { tempDir } from '../support/tmp.js';
import { mount, smallDisk } from '../support/smallDisk.js';

const rows: StressRow[] = [];
after(() => recordStress('2-faults', rows));

/** ~30 KB a delivery: a few dozen fill 3 MB. */
const payload = (n: number) =>
  messagesXml({
    [`room${n % 3}`]: Array.from({ length: 40 }, (_, i) => ({
      ts: 1_700_000_000_000 + n * 100 + i,
      user: `u${i}`,
      content: `delivery ${n} entry ${i} ${'x'.repeat(600)}`,
    })),
  });

function sender(server: ServeProcess) {
  let n = 0;
  const acknowledged: number[] = [];
  return {
    acknowledged,
    async send(): Promise<number> {
      const id = n++;
      const answer = await postForm(
        callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'f', callID: `f${id}` }),
        payload(id),
      );
      if (answer.status === 200) acknowledged.push(id);
      return answer.status;
    },
  };
}

/** Waits for the server to log a line (its output arrives after the answer it describes). */
async function logged(server: ServeProcess, pattern: RegExp): Promise<void> {
  while (!pattern.test(server.output())) await new Promise((resolve) => server.child.stdout!.once('data', resolve));
}

function storedCallIds(dbPath: string): Set<string> {
  const db = openDatabase(dbPath, { readOnly: true });
  try {
    return new Set(db.prepare<[], string>("SELECT call_id FROM deliveries WHERE status = 'stored' AND entry_count = 40").pluck().all());
  } finally {
    db.close();
  }
}

test('a full disk: 503 (never 200), the WAL stays bounded, and deliveries are stored again once space returns', async (t) => {
  const disk = smallDisk('3m');
  if (!disk) return t.skip('skipped: mounting a tmpfs needs root');
  const dbPath = join(disk, 'omv.sqlite');
  const server = await omvServe(['--db', dbPath]);
  const s = sender(server);
  const answers = new Map<number, number>();
  let status = 200;
  for (let i = 0; i < 400 && status === 200; i++) {
    status = await s.send();
    answers.set(status, (answers.get(status) ?? 0) + 1);
  }
  assert.equal(status, 503, 'the disk filled up and deliveries were refused');
  await logged(server, /503 sendOfflineMessages f call f\d+: not committed \(the disk is full/);
  // Still full: more refusals, none answered 200, and the WAL cannot grow past the disk.
  for (let i = 0; i < 10; i++) assert.equal(await s.send(), 503);
  const walWhileFull = statSync(`${dbPath}-wal`).size;
  assert.ok(walWhileFull <= 3 * 1024 * 1024);
  // Space returns; the same server stores again, with no restart.
  assert.equal(mount('-o', 'remount,size=64m', disk).status, 0);
  const afterwards = await s.send();
  assert.equal(afterwards, 200, 'stored again once there is space');
  stop(server.child);
  const stored = storedCallIds(dbPath);
  const lost = s.acknowledged.filter((n) => !stored.has(`f${n}`));
  rows.push(
    [
      'full disk (3 MB tmpfs): answers until full',
      `${answers.get(200) ?? 0}× 200, then ${(answers.get(503) ?? 0) + 10}× 503, 0× 200 while full`,
    ],
    [
      'full disk: WAL while full / after space returned',
      `${(walWhileFull / 1e6).toFixed(2)} MB / stored again at once, ${lost.length} acknowledged lost`,
    ],
  );
  assert.deepEqual(lost, []);
});

test('a database file that cannot be written (made immutable): 503 with a log line that says so, stored again once writable', async (t) => {
  const dir = tempDir();
  const dbPath = join(dir, 'omv.sqlite');
  const server = await omvServe(['--db', dbPath]);
  const s = sender(server);
  assert.equal(await s.send(), 200);
  const files = [dbPath, `${dbPath}-wal`];
  // chattr +i stops even root's writes, to files already open too (ext4 and most Linux file systems).
  if (spawnSync('chattr', ['+i', ...files]).status !== 0)
    return t.skip('skipped: chattr +i is not possible here (needs root and an ext-like file system)');
  let refused: number[];
  try {
    refused = [await s.send(), await s.send()];
  } finally {
    spawnSync('chattr', ['-i', ...files]);
  }
  assert.deepEqual(refused, [503, 503]);
  await logged(server, /not committed \((the database cannot be written|the database file could not be written)/);
  assert.equal(await s.send(), 200);
  stop(server.child);
  const stored = storedCallIds(dbPath);
  rows.push([
    'database file not writable (chattr +i)',
    `503, 503 while not writable; 200 once writable; ${s.acknowledged.filter((n) => !stored.has(`f${n}`)).length} acknowledged lost`,
  ]);
  assert.deepEqual(
    s.acknowledged.filter((n) => !stored.has(`f${n}`)),
    [],
  );
});

test('a database locked past the busy timeout: 503 saying so, stored once the lock goes', async () => {
  const dbPath = join(tempDir(), 'omv.sqlite');
  const server = await omvServe(['--db', dbPath]);
  const s = sender(server);
  assert.equal(await s.send(), 200);
  const other = new Database(dbPath);
  other.exec('BEGIN IMMEDIATE');
  const refused = await s.send();
  other.exec('ROLLBACK');
  other.close();
  assert.equal(refused, 503);
  await logged(server, /not committed \(the database is locked by another program/);
  assert.equal(await s.send(), 200);
  stop(server.child);
  const stored = storedCallIds(dbPath);
  rows.push([
    'database locked past the busy timeout',
    `503 while locked; 200 after; ${s.acknowledged.filter((n) => !stored.has(`f${n}`)).length} acknowledged lost`,
  ]);
  assert.deepEqual(
    s.acknowledged.filter((n) => !stored.has(`f${n}`)),
    [],
  );
});
