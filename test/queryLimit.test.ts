// The viewer's reads run in query hosts (processes) with their own connections, under a time limit: a
// search that runs too long is stopped with a message that says what to do, the thread that
// answers callbacks never waits for it, and the next call is answered as before.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { QueryPool, QueryTimeoutError } from '../main/api/queryPool.js';
import { createReadCalls } from '../main/api/readCalls.js';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase } from '../main/store/db.js';
import { omv, omvServe } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { SEED_XML } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

/** One-letter prefixes (not in the prefix index) match most of the vocabulary: FTS5 merges
 * thousands of term lists for each of the 26, and every candidate row is checked against all. */
const SLOW_SEARCH = {
  filter: { text: ['a*', ...'bcdefghijklmnopqrstuvwxyz'.split('').map((letter) => `-${letter}*`)].join(' ') },
  limit: 50,
};
/**
 * The time limit: a quarter of what the slow search takes on this thread, measured below, so it
 * runs four times past the limit on any machine; never under 20 ms, which cheap calls stay far
 * below.
 */
let LIMIT_MS = 20;
const dir = tempDir();
const dbPath = join(dir, 'omv.sqlite');

before(async () => {
  const file = join(dir, 'chat.xml');
  await writeSyntheticFile(file, { entries: 400_000, rooms: 6, seed: 11 });
  const db = openDatabase(dbPath);
  await importFile(db, file);
  // The premise of the tests below: on this thread, without a limit, the search takes several times the limit.
  const started = performance.now();
  createReadCalls(db).search(SLOW_SEARCH);
  const took = performance.now() - started;
  LIMIT_MS = Math.max(LIMIT_MS, Math.floor(took / 4));
  assert.ok(took >= 4 * LIMIT_MS, `the slow search took only ${took.toFixed(0)} ms: too fast to pass a limit of ${LIMIT_MS} ms`);
  db.close();
});

test('a read past the time limit is stopped with a clear message, the main thread stays free, and the next call is answered', async () => {
  const pool = new QueryPool({ path: dbPath, timeoutMs: LIMIT_MS });
  try {
    assert.ok((await pool.run('rooms', {})).length === 6);
    const search = pool.run('search', SLOW_SEARCH);
    let settled = false;
    search.then(
      () => (settled = true),
      () => (settled = true),
    );
    // The search runs elsewhere: this thread gets to its next turn while the search is unanswered.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'the search was answered before this thread could do anything else');
    await assert.rejects(search, (error: Error) => {
      assert.ok(error instanceof QueryTimeoutError);
      assert.ok(
        error.message.startsWith(
          `This search took longer than ${LIMIT_MS / 1000} s and was stopped. Narrow it: pick a room, a user (from:) or a time range`,
        ),
        error.message,
      );
      return true;
    });

    // A fresh host takes the next call.
    assert.equal((await pool.run('rooms', {})).length, 6);
  } finally {
    await pool.close();
  }
});

test('query hosts answer exactly what reading on this thread answers', async () => {
  const pool = new QueryPool({ path: dbPath, timeoutMs: 60_000 });
  try {
    const db = openDatabase(dbPath, { readOnly: true });
    const quick = { filter: { text: 'hello', room: 'room-1' }, limit: 20 };
    assert.deepEqual(await pool.run('search', quick), createReadCalls(db).search(quick));
    const page = { filter: {}, limit: 100, direction: 'before' as const };
    assert.deepEqual(await pool.run('timeline', page), createReadCalls(db).timeline(page));
    db.close();
  } finally {
    await pool.close();
  }
});

test('a search stopped at the time limit stops using the processor at once (its host is killed, not waited for)', async () => {
  const pool = new QueryPool({ path: dbPath, timeoutMs: LIMIT_MS });
  try {
    await assert.rejects(pool.run('search', SLOW_SEARCH), QueryTimeoutError);
    // The host that ran it is gone (killed, not left to finish): no query host of ours still runs
    // it, once the kill has been delivered.
    const running = () =>
      readdirSync('/proc')
        .filter((pid) => /^\d+$/.test(pid))
        .filter((pid) => {
          try {
            const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
            return (
              Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid &&
              readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('queryHost.js') &&
              !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
            );
          } catch {
            return false;
          }
        });
    for (let tries = 0; running().length > 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(running(), [], 'the query host of the stopped search was killed');
    // Over the next second this process (every thread of it) is idle, where a search left running
    // in a thread would keep a core busy until SQLite returned.
    const before = process.cpuUsage();
    const window = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const used = process.cpuUsage(before);
    const busy = (used.user + used.system) / 1000 / (performance.now() - window);
    assert.ok(busy < 0.5, `${(busy * 100).toFixed(0)}% of a core used after the search was stopped`);
  } finally {
    await pool.close();
  }
});

test('errors from a read travel back as themselves (a missing roster is not a timeout)', async () => {
  const pool = new QueryPool({ path: dbPath, timeoutMs: 5000 });
  try {
    await assert.rejects(
      pool.run('connectionSnapshot', { kind: 'rooms', id: 42 }),
      (error: Error) => !(error instanceof QueryTimeoutError) && /^there is no room roster 42/.test(error.message),
    );
    await assert.rejects(pool.run('context', { entryId: 999_999_999, radius: 5 }), /no entry 999999999/);
  } finally {
    await pool.close();
  }
});

test('omv serve --query-timeout: the viewer gets the message while callbacks are still answered', async () => {
  const server = await omvServe(['--db', dbPath, '--query-timeout', String(LIMIT_MS / 1000)]);
  const viewer = /viewer at (http:\/\/[^/]+)\/\?key=(\S+)/.exec(server.output())!;
  const call = async (method: string, args: unknown) => {
    const response = await fetch(`${viewer[1]}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-omv-key': viewer[2]! },
      body: JSON.stringify(args),
    });
    return (await response.json()) as { ok: boolean; value?: unknown; error?: string };
  };
  const slow = call('search', SLOW_SEARCH);
  const delivery = await postForm(
    callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'example.com', callID: '42' }),
    SEED_XML,
  );
  assert.equal(delivery.status, 200);
  const answer = await slow;
  assert.equal(answer.ok, false);
  assert.ok(answer.error!.startsWith(`This search took longer than ${LIMIT_MS / 1000} s and was stopped`), answer.error);
  const rooms = await call('rooms', {});
  assert.equal(rooms.ok, true);
  assert.ok(
    (rooms.value as Array<{ name: string }>).some((room) => room.name === 'asfd'),
    'the delivery made during the slow search is there',
  );
});

test('omv search and omv export --query stop a search past their --timeout, saying how to narrow it', async () => {
  const text = SLOW_SEARCH.filter.text;
  const search = await omv(['search', '--db', dbPath, '--timeout', String(LIMIT_MS / 1000), '--', text]);
  assert.equal(search.code, 1, search.stderr);
  const seconds = String(LIMIT_MS / 1000).replace('.', '\\.');
  assert.match(
    search.stderr,
    new RegExp(`This search took longer than ${seconds} s and was stopped\\. Narrow it: .*\\(--timeout sets the limit\\)`),
  );
  const exported = await omv(['export', '--db', dbPath, '--timeout', String(LIMIT_MS / 1000), `--query=${text}`]);
  assert.equal(exported.code, 1, exported.stderr);
  assert.match(exported.stderr, new RegExp(`the export wrote nothing for ${seconds} s and was stopped: narrow the search`));
});
