// No callback pays for merging the whole full-text index. FTS5 adds a segment for every commit and,
// left to itself, merges a whole level at once when it holds 16: sooner or later the level holding
// the bulk of the index, in the commit of whichever delivery came then (it held every callback
// behind it: 0.4 s at 500,000 entries, and growing with the index). Now such a merge waits for a
// backlog of 256 segments on one level, which the receiver's own merge steps between groups keep
// from forming (and they merge what an import left). A real receiver, a real imported index, the
// WAL's frames as the measure of what each transaction wrote.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GroupCommit } from '../main/intake/receiver/groupCommit.js';
import { startReceiver } from '../main/intake/receiver/server.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { omv } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { startTestReceiver } from './support/receiver.js';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { tempDir } from './support/tmp.js';

/**
 * The pages each transaction in the WAL wrote, in order (SQLite's WAL format: a 32-byte header,
 * then frames of a 24-byte header and a page; a frame whose second word is not zero ends its
 * transaction; frames from before the WAL was last restarted carry other salts).
 */
function transactionsInWal(path: string, pageSize: number): number[] {
  const wal = readFileSync(path);
  const salts = wal.subarray(16, 24);
  const sizes: number[] = [];
  let frames = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (!wal.subarray(at + 8, at + 16).equals(salts)) break;
    frames += 1;
    if (wal.readUInt32BE(at + 4) !== 0) {
      sizes.push(frames);
      frames = 0;
    }
  }
  return sizes;
}

/**
 * The bulk of an index: two archives imported as an operator would load them (the first in bulk,
 * the second entry by entry), which leaves large segments on the lowest level.
 */
async function importTwoArchives(dbPath: string): Promise<void> {
  for (const [name, seed] of [
    ['january.xml', 7],
    ['february.xml', 8],
  ] as const) {
    const file = join(tempDir(), name);
    await writeSyntheticFile(file, { entries: 60_000, rooms: 20, seed, start: Date.UTC(2024, seed - 7, 1) });
    const imported = await omv(['import', '--db', dbPath, file]);
    assert.equal(imported.code, 0, imported.stderr);
  }
}

const segments = (db: Db) => db.prepare<[], number>('SELECT count(DISTINCT segid) FROM entries_fts_idx').pluck().get()!;

test('a callback never pays for merging the whole full-text index: what merging a commit does is bounded', async () => {
  const r = await startTestReceiver();
  // Imported beside the running receiver.
  await importTwoArchives(r.dbPath);
  const indexPages = r.db.prepare<[], number>('SELECT count(*) FROM entries_fts_data').pluck().get()!;

  // The WAL emptied before each callback and not copied back meanwhile: what it holds after are the
  // transactions since (that callback's commit, and merge steps when they ran in between).
  r.db.pragma('wal_autocheckpoint = 0');
  const pageSize = r.db.pragma('page_size', { simple: true }) as number;
  const written: number[] = [];
  for (let i = 0; i < 40; i++) {
    assert.equal((r.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>)[0]!.busy, 0, 'the WAL was emptied');
    const answer = await postForm(
      callbackUrl(r.callbackUrl, { function: 'sendOfflineMessages', domainID: 'm', callID: `m${i}` }),
      messagesXml({ live: [{ ts: Date.UTC(2025, 0, 1) + i, user: `u${i % 3}`, content: `live message ${i} about the weather` }] }),
    );
    assert.equal(answer.status, 200, answer.text);
    written.push(...transactionsInWal(`${r.dbPath}-wal`, pageSize));
  }
  const most = Math.max(...written);
  console.log(`pages written per transaction: at most ${most}, of an index of ${indexPages}`);
  assert.ok(most < indexPages / 4, `one transaction wrote ${most} pages, the whole index is ${indexPages}: ${written.join(' ')}`);

  // (FTS5's own check of the index against the entries: it throws on a difference.)
  r.db.prepare("INSERT INTO entries_fts (entries_fts, rank) VALUES ('integrity-check', 1)").run();
});

test('a receiver started on an index an import left in segments merges them before any delivery comes', async () => {
  const dbPath = join(tempDir(), 'omv.sqlite');
  await importTwoArchives(dbPath);
  const db = openDatabase(dbPath);
  const left = segments(db);
  assert.ok(left > 3, `the imports left ${left} segments`);
  const receiver = await startReceiver({ port: 0, deliveries: new GroupCommit(db) });
  try {
    for (let waited = 0; segments(db) > 3 && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(segments(db) <= 3, `${segments(db)} segments left of ${left}`);
  } finally {
    await receiver.close();
    db.close();
  }
});
