// A PostgreSQL primary whose synchronous standby is away: every COMMIT waits for it, for as long as
// it takes. The receiver answers such a delivery 503 (send it again) before the connection's idle
// limit would cut the sender off with no answer at all; the commit that lands later is kept, told
// to the desk, logged as such, and the sender's retry is answered "already received" once the
// standby has it. And omv serve, asked to stop while a commit waits, stops at a second signal.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { startReceiver } from '../main/intake/receiver/server.js';
import { openPgEngine } from '../main/store/pg/engine.js';
import type { StoreOutcome } from '../main/store/deliveries.js';
import { omvServe } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { postgresSkipReason, query, startPostgres, waitUntil } from './support/postgres.js';

/** Resolves once `holds` does (checked every 20 ms), or fails after 30 s saying what was awaited. */
async function until(holds: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; !holds();) {
    if (Date.now() >= deadline) throw new Error(`not within 30 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const skip = postgresSkipReason();
const xml = messagesXml({ lobby: [{ ts: Date.UTC(2025, 0, 2), user: 'u1', content: 'waiting for the standby' }] });

/** Every commit of this cluster waits for a synchronous standby that is not there, until `back`. */
async function standbyAway(url: string) {
  await query(url, "ALTER SYSTEM SET synchronous_standby_names = 'away'");
  await query(url, 'SELECT pg_reload_conf()');
  return {
    back: async () => {
      await query(url, 'ALTER SYSTEM RESET synchronous_standby_names');
      await query(url, 'SELECT pg_reload_conf()');
    },
  };
}

test(
  'a commit waiting for an absent standby is answered 503 before the idle limit; it lands later, and the retry finds it',
  { skip, timeout: 120_000 },
  async () => {
    const cluster = await startPostgres();
    const engine = await openPgEngine(cluster.url);
    const log: string[] = [];
    const told: StoreOutcome[] = [];
    const receiver = await startReceiver({
      port: 0,
      deliveries: engine.writes,
      requestTimeoutMs: 10_000,
      log: (line) => log.push(line),
      onStored: (outcome) => told.push(outcome),
    });
    try {
      const standby = await standbyAway(cluster.url);
      const url = callbackUrl(receiver.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd1', callID: 'c1' });
      const started = Date.now();
      const first = await postForm(url, xml);
      assert.equal(first.status, 503, first.text);
      assert.match(first.text, /^not confirmed yet after 8 s, try again: the store is still committing it\n$/);
      assert.ok(Date.now() - started < 10_000, 'answered before the 10 s idle limit');
      assert.ok(log.some((line) => /^503 sendOfflineMessages d1 call c1: the store has not confirmed the commit after 8 s/.test(line)));
      assert.deepEqual(told, [], 'nothing told to the desk before the commit is confirmed');

      await standby.back();
      await until(() => told.length === 1, 'the late commit told to the desk');
      assert.ok(log.some((line) => /^sendOfflineMessages d1 call c1: committed after its 503 \(stored as delivery 1/.test(line)));
      const retry = await postForm(url, xml);
      assert.deepEqual(retry, { status: 200, text: 'already received as delivery 1: nothing added\n' });
      assert.deepEqual(await query(cluster.url, 'SELECT content FROM entries'), [{ content: 'waiting for the standby' }]);
    } finally {
      await receiver.close();
      await engine.close();
    }
  },
);

test(
  'omv serve asked to stop while a commit waits for the standby: a second signal stops it at once',
  { skip, timeout: 120_000 },
  async () => {
    const cluster = await startPostgres();
    const server = await omvServe(['--store', cluster.url, '--no-viewer'], { killAfterTest: false });
    await standbyAway(cluster.url);
    const waiting = postForm(callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd1', callID: 'w' }), xml).catch(
      (error: unknown) => error,
    );
    await waitUntil(cluster.url, "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    await until(
      () => /SIGTERM: finishing deliveries in progress and stopping \(a second Ctrl-C or SIGTERM stops at once\)/.test(server.output()),
      'told',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(server.child.exitCode, null, 'still finishing the waiting commit');
    server.child.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, string | null];
    assert.deepEqual([code, signal], [143, null]);
    assert.match(server.output(), /omv: SIGTERM again: stopping now; deliveries not yet answered 200 are sent again by their senders/);
    await waiting;
  },
);
