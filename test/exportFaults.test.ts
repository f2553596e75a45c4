// omv export --out where the file cannot be written whole: a disk full from the start, a disk that
// fills part-way (a real tmpfs), a folder that does not exist, a folder named as the file. Each ends
// at once with the cause said and exit 1 (2 for what the user typed wrong): no export hangs waiting
// for a disk that will not take more, no unfinished file is left under the name asked for, and the
// audit trail says how far the failed export got.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { omv } from './support/cli.js';
import { smallDisk } from './support/smallDisk.js';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { tempDir } from './support/tmp.js';

/** 30,000 entries: about 4 MB of CSV, three progress steps of 10,000 rows. */
const ENTRIES = 30_000;

describe('omv export --out on a disk that cannot take it', () => {
  const dir = tempDir();
  const db = join(dir, 'omv.sqlite');
  before(async () => {
    const file = join(dir, 'chat.xml');
    await writeSyntheticFile(file, { entries: ENTRIES, rooms: 20, seed: 3 });
    const imported = await omv(['import', '--db', db, file]);
    assert.equal(imported.code, 0, imported.stderr);
  });

  const failedExports = () =>
    new Database(db, { readonly: true })
      .prepare<[], string>("SELECT details FROM audit_log WHERE action = 'export failed' ORDER BY id")
      .pluck()
      .all()
      .map((details) => JSON.parse(details) as { rows: number; error: string });

  test('a disk full from the start: exit 1 with the cause, at once, and nothing left behind', { timeout: 60_000 }, async (t) => {
    const disk = smallDisk('1m');
    if (!disk) return t.skip('skipped: mounting a tmpfs needs root');
    writeFileSync(join(disk, 'filler'), Buffer.alloc(1024 * 1024 - 4096)); // what room there is, taken
    for (;;) {
      try {
        writeFileSync(join(disk, `more-${Date.now()}-${Math.random()}`), Buffer.alloc(512));
      } catch {
        break;
      }
    }
    const out = join(disk, 'export.csv');
    const before = failedExports().length;
    const answer = await omv(['export', '--db', db, '--out', out, '--timeout', '5']);
    assert.equal(answer.code, 1, answer.stderr);
    assert.match(answer.stderr, /omv export: the export stopped after [\d,]+ rows: ENOSPC: no space left on device/);
    assert.match(answer.stderr, /the unfinished .*export\.csv was removed/);
    assert.equal(existsSync(out), false);
    const failed = failedExports().slice(before);
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.error, /ENOSPC/);
  });

  test('a disk that fills part-way: the rows it got to in the trail, the unfinished file removed', { timeout: 60_000 }, async (t) => {
    const disk = smallDisk('2m');
    if (!disk) return t.skip('skipped: mounting a tmpfs needs root');
    const out = join(disk, 'export.csv');
    const before = failedExports().length;
    const answer = await omv(['export', '--db', db, '--out', out]);
    assert.equal(answer.code, 1, answer.stderr);
    assert.match(answer.stderr, /the export stopped after [\d,]+ rows: ENOSPC: no space left on device/);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(disk), []);
    const failed = failedExports().slice(before);
    assert.equal(failed.length, 1);
    // 2 MB holds more than 10,000 rows (the first progress step) and fewer than all of them.
    assert.ok(failed[0]!.rows >= 10_000 && failed[0]!.rows < ENTRIES, `rows in the trail: ${failed[0]!.rows}`);
    assert.match(failed[0]!.error, /ENOSPC/);
  });

  test('a FIFO named with --force whose reader goes away: exit 1, and the FIFO is left where it was', { timeout: 60_000 }, async () => {
    const fifo = join(dir, 'pipe');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const reader = spawn('head', ['-c', '1000', fifo], { stdio: 'ignore' });
    const readerGone = once(reader, 'exit');
    const answer = await omv(['export', '--db', db, '--out', fifo, '--force']);
    await readerGone;
    assert.equal(answer.code, 1, answer.stderr);
    assert.match(answer.stderr, /the export stopped after [\d,]+ rows: .*EPIPE/);
    assert.doesNotMatch(answer.stderr, /was removed/);
    assert.ok(statSync(fifo).isFIFO(), 'the FIFO is still there');
  });

  test('a folder that does not exist, and a folder named as the file, are said as such', async () => {
    const missing = await omv(['export', '--db', db, '--out', join(dir, 'no-such-folder', 'x.csv')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /omv export: cannot write .*x\.csv: its folder does not exist\n$/);
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    for (const force of [[], ['--force']]) {
      const answer = await omv(['export', '--db', db, '--out', folder, ...force]);
      assert.equal(answer.code, 2);
      assert.match(answer.stderr, /a-folder is a folder: name a file for --out/);
    }
  });
});
