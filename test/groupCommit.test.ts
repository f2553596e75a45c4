// Group commit sized by what is waiting: deliveries announced together (their bodies read, their
// payloads being parsed) share one commit, however their parses interleave with the event loop's
// turns; a delivery nothing else is on its way with is committed on its own.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';
import { GroupCommit } from '../main/intake/receiver/groupCommit.js';
import { openDatabase } from '../main/store/db.js';
import { tempDir } from './support/tmp.js';

/** Commits made by others since the last call, as another connection sees them (PRAGMA data_version moves once per commit). */
function commitCounter(path: string): () => number {
  const observer = openDatabase(path, { readOnly: true });
  let last = observer.pragma('data_version', { simple: true }) as number;
  return () => {
    const now = observer.pragma('data_version', { simple: true }) as number;
    const commits = now - last;
    last = now;
    return commits;
  };
}

test('deliveries announced together share one commit, even when they are submitted turns apart', async () => {
  const path = join(tempDir(), 'omv.sqlite');
  const db = openDatabase(path);
  db.exec('CREATE TABLE written (n INTEGER)');
  const commits = commitCounter(path);
  const group = new GroupCommit(db);
  // Commits are counted: the full-text index's merge steps between groups (indexMerging.test.ts)
  // commit too, and on a busy machine their first one fell inside the count.
  group.stop();
  const write = (n: number) => () => db.prepare('INSERT INTO written (n) VALUES (?)').run(n);

  // Three bodies have arrived; their parses finish one event-loop turn after another.
  const arrived = [group.expect(), group.expect(), group.expect()];
  const stored: Promise<unknown>[] = [];
  for (let n = 0; n < 3; n++) {
    stored.push(group.submit(write(n)));
    arrived[n]!();
    await nextTurn();
    await nextTurn();
    if (n < 2)
      assert.equal(
        db.prepare('SELECT count(*) FROM written').pluck().get(),
        0,
        'nothing is committed while announced deliveries are still on their way',
      );
  }
  await Promise.all(stored);
  assert.equal(db.prepare('SELECT count(*) FROM written').pluck().get(), 3);
  assert.equal(commits(), 1, 'one commit for the three');

  // Alone: committed without waiting for anything.
  await group.submit(write(3));
  assert.equal(commits(), 1);

  // One that is announced but never comes (its parse failed and it was answered otherwise) holds nobody back.
  const failed = group.expect();
  const next = group.submit(write(4));
  failed();
  await next;
  assert.equal(commits(), 1);
  db.close();
});
