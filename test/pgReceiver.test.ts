// omv serve over PostgreSQL, as an operator runs it: the built CLI with --store postgres://… (or
// $OMV_STORE), callbacks over HTTP, the rows read back from the server. And what a synchronous
// standby asks of the writer: a COMMIT whose wait for the standby is cancelled is no 200.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { omv, omvServe, stop } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import {
  postgresSkipReason,
  query,
  startPostgres,
  startStandby,
  synchronousStandby,
  waitUntil,
  type PgCluster,
} from './support/postgres.js';

const skip = postgresSkipReason();

const withPassword = (cluster: PgCluster) => cluster.url.replace('postgres@', 'postgres:hunter2-not-shown@');
const now = Date.now();

test(
  'omv serve --store postgres://… receives into PostgreSQL: stored with the raw bytes, a repeat counted, a malformed payload kept',
  { skip },
  async () => {
    const cluster = await startPostgres();
    const server = await omvServe(['--store', withPassword(cluster), '--no-viewer']);
    const url = (callId: string) => callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd1', callID: callId });
    const xml = messagesXml({
      lobby: [
        { ts: now, user: 'u1', content: 'hello from the vendor' },
        { ts: now + 1, user: 'u2', content: 'hi' },
      ],
    });
    const first = await postForm(url('c1'), xml);
    assert.deepEqual(first, { status: 200, text: 'stored as delivery 1: 2 entries (2 new)\n' });
    assert.deepEqual(await postForm(url('c1'), xml), { status: 200, text: 'already received as delivery 1: nothing added\n' });
    const broken = await postForm(url('c2'), '<messageOffline><room><name>r</name>');
    assert.equal(broken.status, 200);
    assert.match(broken.text, /^kept in quarantine as delivery 2: /);

    const deliveries = await query<{ id: number; status: string; duplicates: number; payload: Buffer }>(
      cluster.url,
      'SELECT id::int, status, duplicates::int, payload FROM deliveries ORDER BY id',
    );
    assert.deepEqual(
      deliveries.map((row) => [row.id, row.status, row.duplicates, row.payload.toString('utf8')]),
      [
        [1, 'stored', 1, xml],
        [2, 'quarantined', 0, '<messageOffline><room><name>r</name>'],
      ],
    );
    const entries = await query<{ content: string }>(cluster.url, 'SELECT content FROM entries ORDER BY ts');
    assert.deepEqual(
      entries.map((row) => row.content),
      ['hello from the vendor', 'hi'],
    );
    // The operator is told where the data goes and what a 200 means there, never the password.
    assert.match(server.output(), /omv: store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/omv/);
    assert.match(
      server.output(),
      /no synchronous standby is configured \(synchronous_standby_names\): a 200 means the delivery is on this server's disk/,
    );
    assert.doesNotMatch(server.output(), /hunter2/);
  },
);

test(
  'a synchronous standby configured and none connected: omv serve says deliveries wait until one is, and says nothing of it once one is',
  { skip },
  async () => {
    const primary = await startPostgres();
    // Served once before, as a promoted copy was: omv's settings are there, and it starts.
    stop((await omvServe(['--store', primary.url, '--no-viewer'], { killAfterTest: false })).child);
    await synchronousStandby(primary);
    const alone = await omvServe(['--store', primary.url, '--no-viewer']);
    assert.match(
      alone.output(),
      /a 200 goes out once the synchronous standby \(\*\) has the delivery too, but none is connected now: deliveries wait until one is\n/,
    );
    stop(alone.child);
    const standby = await startStandby(primary);
    await waitUntil(primary.url, "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'");
    const accompanied = await omvServe(['--store', primary.url, '--no-viewer']);
    assert.match(accompanied.output(), /a 200 goes out once the synchronous standby \(\*\) has the delivery too\n/);
    standby.stop();
  },
);

test('$OMV_STORE names the PostgreSQL store; without --no-viewer omv serve serves the desk over it too', { skip }, async () => {
  const cluster = await startPostgres();
  const server = await omvServe(['--no-viewer'], { env: { ...process.env, OMV_STORE: cluster.url } });
  const answer = await postForm(
    callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd1' }),
    messagesXml({ lobby: [{ ts: now, user: 'u1', content: 'via the environment' }] }),
  );
  assert.equal(answer.status, 200);
  assert.deepEqual(await query(cluster.url, 'SELECT content FROM entries'), [{ content: 'via the environment' }]);

  assert.doesNotMatch(server.output(), /viewer at/);
  const withDesk = await omvServe([], { env: { ...process.env, OMV_STORE: cluster.url } });
  assert.match(withDesk.output(), /omv: viewer at http:\/\/127\.0\.0\.1:\d+\/\?key=\S+\n/);
  const unreachable = await omv(['serve', '--port', '0', '--no-viewer', '--store', 'postgres://postgres:pw@127.0.0.1:1/omv']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/omv could not be opened: .*ECONNREFUSED/);
});

test(
  "a delivery of this month is stored while a long read holds entries: its month's partition was made at the start, not in the delivery's transaction",
  { skip },
  async () => {
    const cluster = await startPostgres();
    const server = await omvServe(['--store', cluster.url, '--no-viewer', '--quiet']);
    // An export's cursor, say: a transaction that has read entries and stays open.
    const reader = new pg.Client(cluster.url);
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM entries');
      const answer = await postForm(
        callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd1' }),
        messagesXml({ lobby: [{ ts: now, user: 'u1', content: 'while a reader reads' }] }),
      );
      assert.equal(answer.status, 200);
      assert.match(answer.text, /^stored as delivery 1: 1 entries \(1 new\)/);
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
  },
);

test(
  'a delivery of a month with no partition yet, while a long read holds entries, is answered 503 (and sent again) instead of holding up the receiver',
  { skip },
  async () => {
    const cluster = await startPostgres();
    const server = await omvServe(['--store', cluster.url, '--no-viewer']);
    const old = () =>
      postForm(
        callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd1', callID: 'old' }),
        messagesXml({ lobby: [{ ts: Date.UTC(2019, 5, 3), user: 'u1', content: 'from long ago' }] }),
      );
    const reader = new pg.Client(cluster.url);
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM entries');
      // June 2019: no partition is made for it at the start; making one needs a lock the reader's share keeps from it.
      const answer = await old();
      assert.equal(answer.status, 503, answer.text);
      assert.match(answer.text, /not stored, try again: canceling statement due to lock timeout/);
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    // The read is over: the vendor's resend is stored.
    const again = await old();
    assert.equal(again.status, 200, again.text);
  },
);

test(
  'with a synchronous standby: a COMMIT whose wait for the standby is cancelled is answered 503, and the resend is answered 200 once the standby has it',
  { skip },
  async () => {
    const primary = await startPostgres();
    let standby = await startStandby(primary);
    await synchronousStandby(primary);
    const server = await omvServe(['--store', primary.url, '--no-viewer']);
    assert.match(server.output(), /a 200 goes out once the synchronous standby \(\*\) has the delivery too/);
    const url = callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd1', callID: 'c1' });
    const xml = messagesXml({ lobby: [{ ts: now, user: 'u1', content: 'must reach the standby' }] });
    assert.equal((await postForm(url, xml)).status, 200, 'with the standby there, a delivery is answered 200');
    standby.stop();

    const second = messagesXml({ lobby: [{ ts: now + 5, user: 'u1', content: 'the standby is away' }] });
    const waiting = postForm(url, second);
    // The writer's COMMIT now waits for the standby; an administrator (or a timeout) cancels the wait.
    let cancelled = false;
    for (let i = 0; i < 600 && !cancelled; i++) {
      const rows = await query<{ cancelled: boolean }>(
        primary.url,
        "SELECT pg_cancel_backend(pid) AS cancelled FROM pg_stat_activity WHERE application_name = 'omv writer' AND wait_event = 'SyncRep'",
      );
      cancelled = rows.some((row) => row.cancelled);
      if (!cancelled) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(cancelled, 'the writer never waited for the standby');
    const answer = await waiting;
    assert.equal(answer.status, 503, `a commit the standby did not confirm was answered ${answer.status}: ${answer.text}`);
    assert.match(answer.text, /not stored, try again: the synchronous standby did not confirm the commit/);
    assert.match(server.output(), /503 sendOfflineMessages d1 call c1: not committed \(the synchronous standby did not confirm the commit/);

    // The standby comes back (a fresh copy: its folder went with stop()); the vendor's resend finds the delivery and is answered once the standby has it.
    standby = await startStandby(primary);
    const resend = await postForm(url, second);
    assert.deepEqual(resend, { status: 200, text: 'already received as delivery 2: nothing added\n' });
    // The standby confirmed the WAL on its disk; it shows the rows once it has replayed it (a moment later).
    let onStandby: string[] = [];
    for (let i = 0; i < 200 && onStandby.length < 2; i++) {
      if (i) await new Promise((resolve) => setTimeout(resolve, 50));
      onStandby = (await query<{ content: string }>(standby.url, 'SELECT content FROM entries ORDER BY ts')).map((row) => row.content);
    }
    assert.deepEqual(onStandby, ['must reach the standby', 'the standby is away']);
    stop(server.child);
  },
);
