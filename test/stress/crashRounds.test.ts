// Crash rounds: concurrent senders deliver while omv serve is killed with SIGKILL at a random
// moment; it is started again and driven again (the vendor resends what was not answered 200),
// round after round. In the end every delivery answered 200 is stored exactly once and whole,
// none is stored in part, and SQLite finds the file intact. The kill comes after a random number
// of acknowledgements in the round, not after a time: a slower machine gets the same rounds, only
// later (a round that gets nowhere in a minute is killed anyway, and the test then fails).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { random } from '../support/synthetic.js';
import { openDatabase } from '../../main/store/db.js';
import { omvServe } from '../support/cli.js';
import { callbackUrl, postForm } from '../support/http.js';
import { messagesXml } from '../support/payloads.js';
import { lossRound } from '../support/lossRound.js';
import { recordStress, setting } from '../support/stressReport.js';
import { tempDir } from '../support/tmp.js';

const ROUNDS = setting('OMV_CRASH_ROUNDS', 20);
const SENDERS = 8;
const ENTRIES = 25;

const payload = (n: number) =>
  messagesXml(
    {
      [`room${n % 7}`]: Array.from({ length: ENTRIES }, (_, i) => ({
        ts: 1_700_000_000_000 + n * 1000 + i,
        user: `u${i % 5}`,
        content: `delivery ${n} entry ${i}`,
      })),
    },
    { callID: `d${n}` },
  );

test(
  `${ROUNDS} rounds of kill -9 under concurrent deliveries: every 200 stored exactly once and whole`,
  { timeout: ROUNDS * 60_000 },
  async () => {
    const dbPath = join(tempDir(), 'omv.sqlite');
    const next = random(2026);
    const acknowledged = new Set<number>();
    let awaited = 0;
    let cutInFlight = 0;
    let unanswered: number[] = [];
    let sent = 0;
    let nextNew = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await omvServe(['--db', dbPath, '--quiet'], { killAfterTest: false });
      const queue = [...unanswered, ...Array.from({ length: 400 }, () => nextNew++)];
      const target = 5 + Math.floor(next() * 35);
      awaited += target;
      const outcome = await lossRound({
        queue,
        senders: SENDERS,
        target,
        send: async (n) =>
          (
            await postForm(
              callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'crash', callID: `d${n}` }),
              payload(n),
            )
          ).status,
        lose: (lost) => {
          lost();
          server.child.kill('SIGKILL');
        },
      });
      for (const n of outcome.acknowledged) acknowledged.add(n);
      unanswered = outcome.unanswered;
      sent += outcome.sent;
      cutInFlight += outcome.cutInFlight;
      if (server.child.exitCode === null && server.child.signalCode === null) await once(server.child, 'exit');
    }

    const db = openDatabase(dbPath);
    const integrity = db.pragma('integrity_check', { simple: true });
    // Entries per delivery number, from their content ("delivery N entry I"), in one pass.
    const entriesOf = new Map<number, number>();
    for (const content of db.prepare<[], string>('SELECT content FROM entries').pluck().iterate()) {
      const n = Number(/^delivery (\d+) /.exec(content)?.[1]);
      entriesOf.set(n, (entriesOf.get(n) ?? 0) + 1);
    }
    const rowsOf = new Map<string, number>();
    for (const callId of db.prepare<[], string>("SELECT call_id FROM deliveries WHERE status = 'stored'").pluck().iterate())
      rowsOf.set(callId, (rowsOf.get(callId) ?? 0) + 1);
    let lost = 0;
    let notWhole = 0;
    let twice = 0;
    for (const n of acknowledged) {
      const rows = rowsOf.get(`d${n}`) ?? 0;
      if (rows === 0) lost += 1;
      else if (entriesOf.get(n) !== ENTRIES) notWhole += 1;
      if (rows > 1) twice += 1;
    }
    // A delivery that was never answered 200 is whole or absent, never in part.
    const partial = db
      .prepare<[], number>(`SELECT count(*) FROM deliveries WHERE status = 'stored' AND entry_count != ${ENTRIES}`)
      .pluck()
      .get()!;
    const stored = db.prepare<[], number>("SELECT count(*) FROM deliveries WHERE status = 'stored'").pluck().get()!;
    db.close();
    recordStress('1-crash', [
      ['crash rounds (kill -9 at a random moment)', String(ROUNDS)],
      ['deliveries sent / answered 200 / stored', `${sent} / ${acknowledged.size} / ${stored}`],
      ['in flight when killed', String(cutInFlight)],
      ['answered 200 but lost / not whole / stored twice', `${lost} / ${notWhole} / ${twice}`],
      ['stored in part', String(partial)],
      ['integrity_check', String(integrity)],
    ]);
    assert.equal(integrity, 'ok');
    assert.deepEqual({ lost, notWhole, twice, partial }, { lost: 0, notWhole: 0, twice: 0, partial: 0 });
    assert.ok(acknowledged.size >= awaited, `${acknowledged.size} deliveries were answered 200; the rounds waited for ${awaited}`);
    assert.ok(cutInFlight > 0, 'no delivery was on its way when omv was killed: the rounds proved nothing about them');
  },
);
