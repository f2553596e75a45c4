// kill -9 of the receiver in the middle of a burst: every delivery answered 200 is in the database.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../main/store/db.js';
import { omvServe } from './support/cli.js';
import { callbackUrl, postForm, urlencodedBody } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

function payload(n: number): string {
  const entries = Array.from({ length: 100 }, (_, i) => ({
    ts: 1_700_000_000_000 + n * 1000 + i,
    user: `u${i % 7}`,
    content: `burst ${n} message ${i}`,
  }));
  return messagesXml({ [`room${n % 5}`]: entries }, { callID: `burst-${n}` });
}

/**
 * A delivery the receiver has begun to read and cannot finish: its headers and half its body are
 * sent, the rest never is. It is in flight whenever the server dies, however the burst is timed.
 */
async function halfSentDelivery(url: string, body: string): Promise<{ ended: Promise<string> }> {
  const held = request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
  });
  const ended = new Promise<string>((resolve) => {
    held.on('response', (response) => resolve(`answered ${response.statusCode}`));
    held.on('error', (error: NodeJS.ErrnoException) => resolve(`cut off (${error.code ?? error.message})`));
  });
  await new Promise<void>((resolve) => held.write(body.slice(0, body.length >> 1), () => resolve()));
  return { ended };
}

test('a kill -9 during a burst of deliveries loses none that was answered 200', async () => {
  const dbPath = join(tempDir(), 'omv.sqlite');
  const server = await omvServe(['--db', dbPath, '--quiet']);
  const heldUrl = callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'crash.test', callID: 'burst-held' });
  const held = await halfSentDelivery(heldUrl, urlencodedBody(Buffer.from(payload(-1))));
  const acknowledged: number[] = [];
  let next = 0;
  let killed = false;

  // Every sender goes on until its own delivery fails: the kill lands while all 20 are sending.
  const sender = async () => {
    for (;;) {
      const n = next++;
      const url = callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'crash.test', callID: `burst-${n}` });
      try {
        const answer = await postForm(url, payload(n));
        if (answer.status === 200) acknowledged.push(n);
      } catch {
        return; // in flight when the server died, or sent after
      }
      if (acknowledged.length >= 150 && !killed) {
        killed = true;
        server.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, sender));
  if (server.child.exitCode === null && server.child.signalCode === null) await once(server.child, 'exit');
  assert.equal(server.child.signalCode, 'SIGKILL');
  assert.ok(acknowledged.length >= 150, `acknowledged ${acknowledged.length}`);
  assert.match(await held.ended, /^cut off/, 'a delivery was in flight when the server was killed');

  const db = openDatabase(dbPath);
  const stored = new Map(
    (
      db.prepare("SELECT call_id, entry_count FROM deliveries WHERE status = 'stored'").all() as Array<{
        call_id: string;
        entry_count: number;
      }>
    ).map((row) => [row.call_id, row.entry_count]),
  );
  const entriesOf = db.prepare('SELECT count(*) FROM entries e JOIN deliveries d ON d.id = e.delivery_id WHERE d.call_id = ?').pluck();
  for (const n of acknowledged) {
    assert.equal(stored.get(`burst-${n}`), 100, `delivery burst-${n} was answered 200 but is not stored whole`);
    assert.equal(entriesOf.get(`burst-${n}`), 100);
  }
  assert.equal(stored.has('burst-held') || stored.has('burst--1'), false, 'the delivery cut off half-way is not stored');
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
});
