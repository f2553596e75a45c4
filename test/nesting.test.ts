// Documents built to exhaust the parser: nested hundreds of thousands deep, or with a million
// attributes on one element. Each is answered 200 and kept, in quarantine with a reason that says
// what was wrong, on every path a payload takes: a callback parsed here or on a worker thread
// (1 MiB and more), and `omv import` of a file (inline, or on a worker past 4 MB).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { omv } from './support/cli.js';
import { multipartBody, postBody } from './support/formBodies.js';
import { callbackUrl, postForm } from './support/http.js';
import { startTestReceiver, type TestReceiver } from './support/receiver.js';
import { tempDir } from './support/tmp.js';

/** `depth` elements inside the root, each closed: well-formed, and nothing a payload holds. */
const nested = (depth: number) =>
  Buffer.from(`<?xml version='1.0'?><messageOffline>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</messageOffline>`);
const DEPTH_REASON = /^malformed payload at 1:\d+: elements are nested deeper than 1,000 levels/;
const offline = (r: TestReceiver, callID: string) =>
  callbackUrl(r.callbackUrl, { function: 'sendOfflineMessages', domainID: 'deep', type: 'chat', callID });
const row = (db: { prepare: Database.Database['prepare'] }, id: number) =>
  db.prepare('SELECT status, error, payload FROM deliveries WHERE id = ?').get(id) as {
    status: string;
    error: string;
    payload: Buffer | null;
  };

describe('a document nested deeper than 1,000 levels is kept in quarantine, the reason naming the depth, and answered 200', () => {
  test('a callback parsed here (100,000 levels, 700 KB) and one parsed on the worker thread (300,000 levels, 2.1 MB)', async () => {
    const r = await startTestReceiver({ maxBodyBytes: 64 << 20 });
    for (const [depth, callID] of [
      [100_000, 'inline'],
      [300_000, 'worker'],
    ] as const) {
      const payload = nested(depth);
      const answer = await postForm(offline(r, callID), payload);
      assert.equal(answer.status, 200, `${callID}: ${answer.text}`);
      assert.match(
        answer.text,
        /^kept in quarantine as delivery \d+: malformed payload at 1:\d+: elements are nested deeper than 1,000 levels/,
        callID,
      );
      const id = Number(/delivery (\d+)/.exec(answer.text)![1]);
      const kept = row(r.db, id);
      assert.equal(kept.status, 'quarantined');
      assert.match(kept.error, DEPTH_REASON);
      assert.deepEqual(kept.payload, payload, 'the raw bytes are kept');
    }
  });

  test('omv import of a file nested 1,000,000 deep (7 MB, parsed on a worker) and of a small one', async () => {
    const dir = tempDir();
    const db = join(dir, 'omv.sqlite');
    const big = join(dir, 'deep-million.xml');
    const small = join(dir, 'deep-small.xml');
    writeFileSync(big, nested(1_000_000));
    writeFileSync(small, nested(5_000));
    const result = await omv(['import', '--db', db, big, small]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const lines = result.stdout.split('\n');
    for (const file of [big, small]) {
      const line = lines.find((l) => l.includes(file)) ?? '';
      assert.match(line, /^failed {5}.*elements are nested deeper than 1,000 levels.*\(kept in quarantine as delivery \d+/, line);
    }
    const check = new Database(db, { readonly: true });
    const rows = check.prepare('SELECT status, error FROM deliveries ORDER BY id').all() as { status: string; error: string }[];
    check.close();
    assert.equal(rows.length, 2);
    for (const kept of rows) {
      assert.equal(kept.status, 'quarantined');
      assert.match(kept.error, DEPTH_REASON);
    }
  });
});

test('an unexpected failure of the parser (a million attributes run its thread out of memory) is kept in quarantine with the reason, answered 200', async () => {
  const r = await startTestReceiver({ maxBodyBytes: 64 << 20 });
  const parts = ['<messageOffline'];
  for (let i = 0; i < 1_000_000; i++) parts.push(` a${i}=""`);
  const payload = Buffer.from(`${parts.join('')}/>`);
  const { body, contentType } = multipartBody([{ name: 'xmlData', bytes: payload, filename: 'attributes.xml' }]);
  const answer = await postBody(offline(r, 'attributes'), body, contentType);
  assert.equal(answer.status, 200, answer.text);
  assert.match(answer.text, /^kept in quarantine as delivery 1: the parser failed: the payload needs more than the parser's 64 MB to read/);
  const kept = row(r.db, 1);
  assert.equal(kept.status, 'quarantined');
  assert.deepEqual(kept.payload, payload, 'the raw bytes are kept');
  // The receiver goes on receiving.
  assert.equal((await postForm(offline(r, 'after'), nested(3))).status, 200);
});
