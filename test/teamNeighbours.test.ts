// Two team servers on one PostgreSQL database: what a desk on one hears as it happens, a desk on
// the other hears too (api/neighbours.ts, over LISTEN/NOTIFY), and after the channel between them
// is lost, both open it again and tell their desks to read what they show again.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import pg from 'pg';
import { DESK_ENGINES } from './support/desk.js';
import { heardEvents, type HeardEvent, type HeardEvents } from './support/heardEvents.js';
import { stop as kill } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { startTeam, teamDatabase, type Signed, type TeamServerProcess, type TeamStore } from './support/teamServer.js';

const skip = DESK_ENGINES.find((e) => e.engine === 'postgres')!.skip;
const AT = Date.UTC(2025, 5, 1, 12);

/** The live events `who`'s desk hears on `team`, from now on (until `stop` is aborted). */
async function listen(team: TeamServerProcess, who: Signed, stop: AbortSignal): Promise<HeardEvents> {
  const response = await fetch(`${team.base}/api/events`, {
    headers: { cookie: who.cookie, origin: new URL(team.base).origin, 'sec-fetch-site': 'same-origin' },
    signal: stop,
  });
  if (response.status !== 200) assert.fail(`${who.name}'s event stream on ${team.base}: ${response.status} ${await response.text()}`);
  const heard = heardEvents(response.body!);
  await heard.next((event) => event['type'] === 'connected');
  return heard;
}

/** Two team servers on a new database, Anna signed in on the first and Maya on the second; what a desk hears (`hear`) until the test ends. */
async function twoServers(t: TestContext) {
  const store = await teamDatabase({ anna: 'admin', maya: 'lead' }, { engine: 'postgres' });
  const [one, two] = [await startTeam(store), await startTeam(store)];
  const [anna, maya] = [await one.signIn('anna'), await two.signIn('maya')];
  const stop = new AbortController();
  t.after(() => stop.abort());
  return { store, one, two, anna, maya, hear: (team: TeamServerProcess, who: Signed) => listen(team, who, stop.signal) };
}

async function value<T>(team: TeamServerProcess, who: Signed, method: string, args: object): Promise<T> {
  const answer = await team.call(who, method, args);
  const body = JSON.parse(answer.body) as { ok: boolean; value: T; error?: string };
  assert.ok(body.ok, `${who.name} ${method} on ${team.base}: ${answer.status} ${answer.body}`);
  return body.value;
}

async function deliver(team: TeamServerProcess, callId: string, lines: string[], at = AT): Promise<void> {
  const xml = messagesXml({ lobby: lines.map((content, i) => ({ ts: at + i, user: `u${i}`, content })) }, { callID: callId });
  const answer = await postForm(
    callbackUrl(team.callbackUrl, { function: 'sendOfflineMessages', domainID: 'example.com', callID: callId }),
    xml,
  );
  assert.equal(answer.status, 200, answer.text);
}

const ofType =
  (type: string, also: (event: HeardEvent) => boolean = () => true) =>
  (event: HeardEvent) =>
    event['type'] === type && also(event);

/** The sessions the servers on `store`'s database listen on (`listens`: LISTEN has run there). */
const listeningSessions = (store: TeamStore) =>
  store.rows<{ pid: number; listens: boolean }>(
    `SELECT pid, (query LIKE 'LISTEN%' OR query LIKE '%pg_notify%') AS listens FROM pg_stat_activity
     WHERE application_name = 'omv neighbours' AND datname = current_database()`,
  );

const viewersOf = (event: HeardEvent) => (event['viewers'] as Array<{ name: string }>).map((viewer) => viewer.name);

describe('two team servers on one PostgreSQL database hear each other', { skip }, () => {
  test('a delivery, a watch alert, a note and who has a report open, on one server, are heard by the desks of the other (one too long to carry: read again)', async (t) => {
    const { store, one, two, anna, maya, hear } = await twoServers(t);
    const [onOne, onTwo] = [await hear(one, anna), await hear(two, maya)];

    await value(one, anna, 'addWatchTerms', { text: 'kitten' });
    await onTwo.next(ofType('reviewChanged'));
    await deliver(one, 'first', ['a kitten in the lobby', 'nothing to see']);
    await onTwo.next(ofType('deliveryReceived', (event) => event['status'] === 'stored'));
    assert.equal((await onTwo.next(ofType('entriesAdded')))['count'], 2);
    const alert = await onTwo.next(ofType('watchAlert'));
    assert.deepEqual([alert['found'], alert['terms'], alert['unseen']], [1, ['kitten'], 1], 'matched once, where it arrived');

    const entry = Number((await store.rows<{ id: string }>("SELECT id FROM entries WHERE content = 'nothing to see'"))[0]!.id);
    await value(one, anna, 'addNote', { target: 'entry', targetId: entry, text: 'seen on the first server' });
    assert.deepEqual(await onTwo.next(ofType('notesChanged')), { type: 'notesChanged', target: 'entry', targetId: entry });

    // Anna opens report 1 on the first server; Maya opens it on the second and is told Anna has it open.
    await value(one, anna, 'reportPresence', { id: 1, desk: 'anna-desk', open: true });
    assert.deepEqual(viewersOf(await onTwo.next(ofType('presence', (event) => event['report'] === 1))), ['anna']);
    const seen = await value<Array<{ name: string }>>(two, maya, 'reportPresence', { id: 1, desk: 'maya-desk', open: true });
    assert.deepEqual(
      seen.map((viewer) => viewer.name),
      ['anna', 'maya'],
    );
    assert.deepEqual(viewersOf(await onOne.next(ofType('presence', (event) => viewersOf(event).includes('maya')))), ['anna', 'maya']);
    await value(one, anna, 'reportPresence', { id: 1, desk: 'anna-desk', open: false });
    await onTwo.next(ofType('presence', (event) => viewersOf(event).join() === 'maya'));

    // Each event once: heard from its own server, not echoed back by the other.
    assert.equal(onOne.events.filter(ofType('deliveryReceived')).length, 1, JSON.stringify(onOne.events));
    assert.equal(onTwo.events.filter(ofType('watchAlert')).length, 1, JSON.stringify(onTwo.events));

    // An alert naming 300 terms is too long for the channel: the other desks are told to read again instead.
    const listening = (await listeningSessions(store)).map((row) => row.pid).sort();
    const many = Array.from({ length: 300 }, (_, i) => `zq${i}${'w'.repeat(24)}`);
    await value(one, anna, 'addWatchTerms', { text: many.join('\n') });
    await deliver(one, 'many', [many.join(' ')], AT + 1000);
    await onOne.next(ofType('watchAlert', (event) => (event['terms'] as string[]).length === 300));
    await onTwo.next(() => onTwo.events.filter(ofType('connected')).length === 2);
    assert.equal(onTwo.events.filter(ofType('watchAlert')).length, 1);
    assert.deepEqual(
      (await listeningSessions(store)).map((row) => row.pid).sort(),
      listening,
      'told to read again as too long, not as a channel broken by it',
    );
  });

  test('when the channel between them is lost, both open it again, their desks read what they show again, and they hear each other once more', async (t) => {
    const { store, one, two, anna, maya, hear } = await twoServers(t);
    const [onOne, onTwo] = [await hear(one, anna), await hear(two, maya)];

    const cut = await store.rows<{ cut: boolean }>(
      "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = 'omv neighbours' AND datname = current_database()",
    );
    assert.deepEqual(
      cut.map((row) => row.cut),
      [true, true],
      'each server listens on a session of its own',
    );
    // The second 'connected' on a stream: the desk reads again what it shows (renderer/src/data/liveUpdates.ts).
    const readAgain = (heard: HeardEvents) => heard.next(() => heard.events.filter(ofType('connected')).length >= 2);
    await Promise.all([readAgain(onOne), readAgain(onTwo)]);

    await deliver(one, 'after', ['heard again']);
    assert.equal((await onTwo.next(ofType('entriesAdded')))['count'], 1);
    await value(two, maya, 'addWatchTerms', { text: 'again' });
    await onOne.next(ofType('reviewChanged'));

    // Now the sessions stop answering but stay open (as through a network cut that sends no reset):
    // each server's probe goes unheard, and it opens a session anew.
    const stalled = (await listeningSessions(store)).map((row) => Number(row.pid));
    const toldBefore = [onOne, onTwo].map((heard) => heard.events.filter(ofType('connected')).length);
    t.after(() => stalled.forEach((pid) => process.kill(pid, 'SIGCONT')));
    for (const pid of stalled) process.kill(pid, 'SIGSTOP');
    for (let listening: unknown[] = []; listening.length < 2; await new Promise((resolve) => setTimeout(resolve, 100))) {
      listening = (await listeningSessions(store)).filter((row) => !stalled.includes(Number(row.pid)) && row.listens);
    }
    await deliver(two, 'after-the-stall', ['heard once more']);
    // The first server heard its own delivery before the stall; now the second's.
    await onOne.next(() => onOne.events.filter(ofType('entriesAdded')).length >= 2);
    await Promise.all([onOne, onTwo].map((heard, i) => heard.next(() => heard.events.filter(ofType('connected')).length > toldBefore[i]!)));
  });

  test("a moderator's export on one server: their desk on the other hears its progress (no one else's does), and cancelling it there stops it", async (t) => {
    const { one, two, anna, maya, hear } = await twoServers(t);
    // ~24 MB of CSV: more than loopback's socket buffers hold, so an export nobody reads waits for its reader.
    for (let part = 0; part < 12; part++)
      await deliver(
        one,
        `bulk-${part}`,
        Array.from({ length: 2000 }, (_, i) => `${part}:${i} ${'x'.repeat(1000)}`),
        AT + part * 10_000,
      );
    const [annaOnTwo, mayaOnTwo] = [await hear(two, anna), await hear(two, maya)];

    // Anna downloads on the first server and reads nothing of it yet.
    const download = http.get(`${one.base}/api/export.csv?filter=%7B%7D`, { headers: { cookie: anna.cookie } });
    download.on('response', (response) => response.pause());
    download.on('error', () => undefined);
    const cutOff = new Promise((resolve) => download.on('close', resolve));
    t.after(() => download.destroy());
    const started = await annaOnTwo.next(ofType('exportProgress', (event) => event['total'] === 24_000));
    assert.equal(started['done'], false);

    assert.equal(await value(two, anna, 'cancelExport', {}), false, 'none of hers runs on the second server');
    const failed = await annaOnTwo.next(ofType('exportProgress', (event) => event['done'] === true));
    assert.equal(failed['error'], 'the export was cancelled');
    await cutOff; // the download is broken off, so it cannot pass for a whole export
    assert.deepEqual(mayaOnTwo.events.filter(ofType('exportProgress')), [], "Anna's export is hers alone to hear");
  });

  test('what another role of the database says on the channel, or a message recorded off it and played again, reaches no desk, and the servers go on', async (t) => {
    const { store, one, two, anna, maya, hear } = await twoServers(t);
    const onTwo = await hear(two, maya);
    await deliver(one, 'first', ['nothing to see']);
    const entry = Number((await store.rows<{ id: string }>('SELECT id FROM entries'))[0]!.id);

    // A role that may connect (as PUBLIC may by default), LISTEN and NOTIFY, and read none of omv's tables.
    await store.rows('CREATE ROLE intruder LOGIN');
    const asIntruder = new URL(store.url!);
    asIntruder.username = 'intruder';
    const intruder = new pg.Client({ connectionString: asIntruder.toString() });
    await intruder.connect();
    t.after(() => intruder.end());
    const recorded: string[] = [];
    intruder.on('notification', ({ payload }) => recorded.push(payload!));
    await intruder.query('LISTEN omv_desk_news');
    await assert.rejects(intruder.query('SELECT value FROM settings'), /permission denied/);

    await value(one, anna, 'addNote', { target: 'entry', targetId: entry, text: 'said once' });
    await onTwo.next(ofType('notesChanged'));
    while (recorded.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await intruder.query('UNLISTEN omv_desk_news'); // what it recorded: the note's news (and a probe or so)
    const alert = JSON.stringify({
      event: { type: 'watchAlert', found: 1, terms: ['Your session expired: sign in at https://evil.example'], unseen: 1 },
    });
    const said = [
      'null',
      '0',
      '"x"',
      alert,
      JSON.stringify({ from: 'someone', message: alert }),
      `omv1:${Buffer.from('not sealed with the key').toString('base64')}`,
      'omv1:',
      ...recorded, // played again
    ];
    for (const payload of said) await intruder.query('SELECT pg_notify($1, $2)', ['omv_desk_news', payload]);
    // A last change on the first server, heard after all of that (NOTIFY keeps the order of commits).
    await value(one, anna, 'addWatchTerms', { text: 'marker' });
    await onTwo.next(ofType('reviewChanged'));

    assert.deepEqual(
      onTwo.events.map((event) => event['type']).filter((type) => type !== 'connected'),
      ['deliveryReceived', 'entriesAdded', 'notesChanged', 'reviewChanged'],
      'nothing the intruder said reached the desk',
    );
    // The second server restarts (as in a rolling upgrade): the new one never heard the recorded news,
    // and played to it, it is still not taken.
    const recordedAt = Date.now();
    const stopped = new Promise((resolve) => two.serve.child.once('exit', resolve));
    kill(two.serve.child);
    await stopped;
    // What was said a second or more before it listened (a clock a little behind is allowed for).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, recordedAt + 1500 - Date.now())));
    const three = await startTeam(store);
    const onThree = await hear(three, await three.signIn('maya'));
    for (const payload of recorded) await intruder.query('SELECT pg_notify($1, $2)', ['omv_desk_news', payload]);
    await value(one, anna, 'addWatchTerms', { text: 'marker again' });
    await onThree.next(ofType('reviewChanged'));
    assert.deepEqual(
      onThree.events.map((event) => event['type']).filter((type) => type !== 'connected'),
      ['reviewChanged'],
      'nothing played again reached the new desk',
    );
    // The servers still answer.
    await value(one, anna, 'rooms', {});
    await value(three, maya, 'rooms', {});
  });
});
