// Failover rounds: omv serve receives into a PostgreSQL primary that has a synchronous standby;
// eight senders deliver; the primary's machine is lost (kill -9 of every one of its processes) at a
// random moment, its standby lagging behind just then; the standby is promoted and omv started again pointing at it; the vendor resends
// what was not answered 200. The promoted server then gets a standby of its own (pg_basebackup),
// and the next round begins. In the end every delivery answered 200 is on the last primary exactly
// once and whole: a 200 went out only after the standby had it. The kill comes after a random
// number of acknowledgements in the round, not after a time, so a slower machine gets the same rounds.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { omvServe } from '../support/cli.js';
import { callbackUrl, postForm } from '../support/http.js';
import { messagesXml } from '../support/payloads.js';
import { postgresSkipReason, query, startPostgres, startStandby, synchronousStandby } from '../support/postgres.js';
import { lossRound } from '../support/lossRound.js';
import { recordStress, setting } from '../support/stressReport.js';
import { random } from '../support/synthetic.js';

const ROUNDS = setting('OMV_FAILOVER_ROUNDS', 20);
const SENDERS = 8;
const ENTRIES = 10;
const skip = postgresSkipReason();

const payload = (n: number) =>
  messagesXml(
    {
      [`room${n % 5}`]: Array.from({ length: ENTRIES }, (_, i) => ({
        ts: Date.UTC(2026, 0, 1) + n * 1000 + i,
        user: `u${i % 3}`,
        content: `delivery ${n} entry ${i}`,
      })),
    },
    { callID: `f${n}` },
  );

test(
  `${ROUNDS} failovers under concurrent deliveries (kill -9 of the primary, the synchronous standby promoted): every 200 stored exactly once and whole`,
  { skip, timeout: ROUNDS * 90_000 },
  async () => {
    let primary = await startPostgres({ manualStop: true });
    let standby = await startStandby(primary, { manualStop: true });
    after(() => {
      primary.stop();
      standby.stop();
    });
    await synchronousStandby(primary);
    const next = random(19);
    const acknowledged = new Set<number>();
    let awaited = 0;
    let cutInFlight = 0;
    let refusedAfterKill = 0;
    let unanswered: number[] = [];
    let sent = 0;
    let nextNew = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await omvServe(['--store', primary.url, '--no-viewer', '--quiet'], { killAfterTest: false });
      const queue = [...unanswered, ...Array.from({ length: 100 }, () => nextNew++)];
      const target = 5 + Math.floor(next() * 35);
      awaited += target;
      const outcome = await lossRound({
        queue,
        senders: SENDERS,
        target,
        send: async (n) =>
          (
            await postForm(
              callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'failover', callID: `f${n}` }),
              payload(n),
            )
          ).status,
        // The primary is lost while its standby lags behind (sent no WAL for a random moment, as over
        // a network that drops): what the primary acknowledged meanwhile would be lost with it, were
        // a 200 not held back until the standby has the delivery.
        lose: async (lost) => {
          const resume = primary.holdReplication();
          await new Promise((resolve) => setTimeout(resolve, 20 + next() * 300));
          lost();
          primary.kill();
          resume();
        },
      });
      for (const n of outcome.acknowledged) acknowledged.add(n);
      unanswered = outcome.unanswered;
      sent += outcome.sent;
      cutInFlight += outcome.cutInFlight;
      refusedAfterKill += outcome.refusedAfterLoss;
      // The standby takes over; omv is pointed at it (a new process, as an operator would restart it).
      server.child.kill('SIGKILL');
      if (server.child.exitCode === null && server.child.signalCode === null) await once(server.child, 'exit');
      standby.run('pg_ctl', ['-D', standby.dir, '-w', '-t', '60', 'promote']);
      primary.stop();
      primary = standby;
      standby = await startStandby(primary, { manualStop: true });
      await synchronousStandby(primary);
    }
    // The last round's unanswered deliveries are sent to the last primary, so that every one is answered in the end.
    const last = await omvServe(['--store', primary.url, '--no-viewer', '--quiet'], { killAfterTest: false });
    for (const n of unanswered) {
      sent += 1;
      const answer = await postForm(
        callbackUrl(last.callbackUrl, { function: 'sendOfflineMessages', domainID: 'failover', callID: `f${n}` }),
        payload(n),
      );
      assert.equal(answer.status, 200, answer.text);
      acknowledged.add(n);
    }
    last.child.kill('SIGKILL');

    const rows = await query<{ call_id: string; rows: number; entries: number }>(
      primary.url,
      `SELECT d.call_id, count(*)::int AS rows, max(d.entry_count)::int AS entries FROM deliveries d
       WHERE d.status = 'stored' GROUP BY d.call_id`,
    );
    const stored = new Map(rows.map((row) => [row.call_id, row]));
    const entriesOf = new Map<number, number>();
    for (const { content } of await query<{ content: string }>(primary.url, 'SELECT content FROM entries')) {
      const n = Number(/^delivery (\d+) /.exec(content)?.[1]);
      entriesOf.set(n, (entriesOf.get(n) ?? 0) + 1);
    }
    let lost = 0;
    let twice = 0;
    let notWhole = 0;
    for (const n of acknowledged) {
      const row = stored.get(`f${n}`);
      if (!row) lost += 1;
      else if (row.rows > 1) twice += 1;
      else if (entriesOf.get(n) !== ENTRIES) notWhole += 1;
    }
    const partial = rows.filter((row) => row.entries !== ENTRIES).length;
    recordStress('6-failover', [
      ['failovers (kill -9 of the primary, standby promoted)', String(ROUNDS)],
      ['deliveries sent / answered 200 / stored', `${sent} / ${acknowledged.size} / ${rows.length}`],
      ['in flight when the primary was lost / answered 503 after', `${cutInFlight} / ${refusedAfterKill}`],
      ['answered 200 but lost / stored twice / not whole', `${lost} / ${twice} / ${notWhole}`],
      ['stored in part', String(partial)],
    ]);
    assert.deepEqual({ lost, twice, notWhole, partial }, { lost: 0, twice: 0, notWhole: 0, partial: 0 });
    assert.ok(acknowledged.size >= awaited, `${acknowledged.size} deliveries were answered 200; the rounds waited for ${awaited}`);
    assert.ok(cutInFlight > 0, 'no delivery was on its way when the primary was lost: the rounds proved nothing about them');
  },
);
