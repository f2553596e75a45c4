// One desk's data in both engines, for asking the desk's read calls the same question of each: a
// SQLite file filled as a desk fills it (deliveries through the store — messages in rooms of two
// domains over several days, joins and leaves, display names, an invisible user, hostile text,
// abuse reports, connection lists, a quarantined payload — then review work through the API as a
// moderator does it: tags, notes, a saved search, watch terms, a review mark, a report decided and
// another claimed), then copied into a fresh PostgreSQL database as `omv migrate-store` copies it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { operatorActor } from '../../main/api/actors.js';
import { pgReadRunner } from '../../main/api/pgReadCalls.js';
import { readsOnThisThread, type ReadArgs, type ReadMethod, type ReadRunner } from '../../main/api/readCalls.js';
import { cliService } from '../../main/cli/common.js';
import { openDatabase, type Db } from '../../main/store/db.js';
import { storeDelivery } from '../../main/store/deliveries.js';
import { openPgEngine, type PgEngine } from '../../main/store/pg/engine.js';
import { openSqliteEngine } from '../../main/store/sqliteEngine.js';
import { delivery, type TestDelivery } from './engines.js';
import { ABUSE_CONVERSATION_XML, ABUSE_XML, messagesXml, ROOMS_XML } from './payloads.js';
import { startPostgres, type PgCluster } from './postgres.js';

export const DAY = Date.UTC(2025, 4, 2);
const HOUR = 3_600_000;

const CONNECTION_LIST = `<?xml version="1.0" encoding="utf-8"?>
<connectionList>
  <server>im1.example.com</server>
  <c><f type="m">alice_42</f><t>bob</t></c>
  <c><f type="s">9f2c0e7a</f><t>carol</t></c>
</connectionList>`;

/** The deliveries of the desk, in the order they arrive. */
export function deskDeliveries(): TestDelivery[] {
  const at = (n: number) => ({ receivedAt: DAY + n * HOUR });
  return [
    delivery(
      messagesXml({
        'lobby "main"': [
          { type: 'join', ts: DAY + 1, user: 'u1', displayName: 'Ann' },
          { ts: DAY + 2, user: 'u1', displayName: 'Ann', content: 'Héllo Wörld, the café is open' },
          { ts: DAY + 3, user: 'u2', displayName: 'Bob', content: 'it\'s "quoted", with a comma\nand a line, hello u1' },
          { type: 'join', ts: DAY + 4, user: 'u3' },
          { ts: DAY + 5, user: 'u3', content: 'spam spam wonderful spam' },
          { type: 'leave', ts: DAY + 6, user: 'u2' },
          { ts: DAY + 7, user: 'u9', invisible: 'true', content: 'an invisible hello' },
        ],
        kitchen: [
          { ts: DAY + 10, user: 'u1', content: '=HYPERLINK("http://x") click' },
          { ts: DAY + 11, user: 'u4', displayName: '<b>Dora</b>', content: '<script>alert(1)</script> cooking' },
        ],
      }),
      at(1),
    ),
    delivery(
      messagesXml({
        lobby: [
          { ts: DAY + 86_400_000 + 1, user: 'u4', content: 'ünïcödé ＦＵＬＬＷＩＤＴＨ 漢字 emoji 🎉 ok' },
          { ts: DAY + 86_400_000 + 2, user: 'u1', content: 'pimp my ride, u4' },
        ],
      }),
      { domain: 'd2', ...at(30) },
    ),
    delivery(
      messagesXml({
        'lobby "main"': Array.from({ length: 120 }, (_, i) => ({
          ts: DAY + 2 * 86_400_000 + i * 60_000,
          user: `u${(i % 7) + 1}`,
          content: `message ${i} about the café${i % 10 === 0 ? ' spam' : ''}`,
        })),
        garden: [{ ts: DAY + 3 * 86_400_000, user: 'u5', content: 'flowers' }],
      }),
      at(60),
    ),
    delivery(ABUSE_CONVERSATION_XML, { fn: 'reportAbuse', ...at(61) }),
    delivery(ABUSE_XML, { fn: 'reportAbuse', ...at(62) }),
    delivery(ROOMS_XML, { fn: 'sendConnectionList', ...at(63) }),
    delivery(CONNECTION_LIST, { fn: 'sendConnectionList', ...at(64) }),
    delivery('<messageOffline><room><name>broken', at(65)),
    delivery(messagesXml({ kitchen: [{ ts: DAY + 4 * 86_400_000, user: 'u2', content: 'later, after the review mark' }] }), at(90)),
  ];
}

/**
 * Deliveries received after deskDeliveries' last (added for the overview's reads): a roster of
 * `lobby "main"` and the instant messenger's connection list of the time (more connections of u1
 * than presence lists), then joins, leaves and messages in that room after them; a room whose
 * name has capitals beyond ASCII, a 1:1 room named after its two users, and a room of d2 named
 * as one of d1 whose last entry is at the same moment.
 */
export function overviewDeliveries(): TestDelivery[] {
  const at = DAY + 100 * HOUR;
  const friends = Array.from({ length: 205 }, (_, i) => `<c><f type="m">u1</f><t>friend${i}</t></c>`).join('');
  return [
    delivery(
      `<rooms><room><name><![CDATA[lobby "main"]]></name><users><user id="u1"/><user id="u2"/><user id="u6"/></users></room></rooms>`,
      { fn: 'sendConnectionList', receivedAt: at },
    ),
    delivery(
      `<connectionList><server>im2.example.com</server><c><f type="s">5e11</f><t>u3</t></c>${friends}<c><f type="m">zed</f><t>yan</t></c></connectionList>`,
      { fn: 'sendConnectionList', receivedAt: at + 1 },
    ),
    delivery(
      messagesXml({
        'lobby "main"': [
          { type: 'join', ts: at + 60_000, user: 'u3', displayName: 'Cy' },
          { ts: at + 120_000, user: 'u1', content: 'back again' },
          { type: 'leave', ts: at + 180_000, user: 'u2' },
          { ts: at + 240_000, user: 'u8', content: 'hello, I never joined' },
          { type: 'leave', ts: at + 300_000, user: 'u6' },
          { type: 'join', ts: at + 360_000, user: 'u6' },
          { ts: at + 420_000, user: 'u2', content: 'spoke after leaving' },
        ],
        'ÉTÉ Café': [{ ts: at + 100_000, user: 'u1', content: 'summer' }],
        'u2 ↔ u1': [{ ts: at + 110_000, user: 'u2', content: 'just us, wonderful spam' }],
      }),
      { receivedAt: at + 2 },
    ),
    // A room of another domain with the same name and the same last moment as one of d1.
    delivery(messagesXml({ garden: [{ ts: DAY + 3 * 86_400_000, user: 'u5', content: 'weeds' }] }), { domain: 'd2', receivedAt: at + 3 }),
  ];
}

/**
 * More for the report reads (test/pgDeskReadsReports.test.ts), stored during the review work: two
 * reports whose text holds LIKE's own characters and letters whose case SQLite folds (ASCII) and
 * does not (É), in a room of their own, received at the same instant; a roster whose rooms tie on
 * their counts (someone in two of them) and three connection lists taken at the same instant as
 * it; quarantined payloads that are not UTF-8, name no function omv knows, or stayed a file.
 */
export function reviewDeliveries(): TestDelivery[] {
  const at = (n: number) => ({ receivedAt: DAY + n * HOUR });
  const abuse = (reporter: string, accused: string, reason: string | null, description: string, messages: string) =>
    `<?xml version='1.0' encoding='utf-8'?>\n<abuse><reportingUserID>${reporter}</reportingUserID><abuserUserID>${accused}</abuserUserID>` +
    `${reason === null ? '' : `<reason>${reason}</reason>`}<description><![CDATA[${description}]]></description>` +
    `<conversation><name><![CDATA[back room ✨]]></name><messages>${messages}</messages></conversation></abuse>`;
  const message = (ts: number, user: string, content: string) =>
    `<entry type="msg"><timestamp>${ts}</timestamp><userID invisible="false">${user}</userID><content><![CDATA[${content}]]></content></entry>`;
  const later = DAY + 5 * 86_400_000;
  const file = delivery('<messageOffline><room><name>a file cut short', at(72));
  return [
    delivery(
      abuse(
        'Alice_42',
        'u4',
        'Spam_Bot 100%',
        'ÉCOLE spam in C:\\chat "x" — Café',
        message(later + 2, 'u4', 'buy now') + message(later + 1, 'u4', 'hi'),
      ),
      { fn: 'reportAbuse', ...at(70) },
    ),
    delivery(abuse('u2', 'Alice_42', null, 'école, then Ünïcode and 50% off', message(later, 'Alice_42', 'first')), {
      fn: 'reportAbuse',
      ...at(70),
    }),
    delivery(
      `<rooms><room><name><![CDATA[Zeta]]></name><users><user id="Bob"/><user id="_x"/></users></room>` +
        `<room><name><![CDATA[alpha]]></name><users><user id="émile"/><user id="Amy"/><user id="Bob"/></users></room>` +
        `<room><name><![CDATA[Éclair]]></name><users><user id="zed"/><user id="Zed"/></users></room>` +
        `<room><name><![CDATA[big]]></name><users><user id="u1"/><user id="u2"/><user id="u3"/></users></room></rooms>`,
      { fn: 'sendConnectionList', ...at(71) },
    ),
    delivery(
      `<connectionList><server>im2.example.com</server><c><f type="m">zed</f><t>amy</t></c><c><f type="m">Amy</f><t>bob</t></c>` +
        `<c><f type="s">9f2c0e7a</f><t>carol</t></c><c><f type="m">émile</f><t>Zoë</t></c><c><f type="m">_x</f><t>a</t></c></connectionList>`,
      { fn: 'sendConnectionList', ...at(71) },
    ),
    delivery(`<connectionList><server>im3.example.com</server><c><f type="m">b</f><t>a</t></c></connectionList>`, {
      fn: 'sendConnectionList',
      ...at(71),
    }),
    delivery(`<connectionList><server>im4.example.com</server><c><f type="s">c</f><t>b</t></c></connectionList>`, {
      fn: 'sendConnectionList',
      ...at(71),
    }),
    delivery(Buffer.concat([Buffer.from('\ufeff<messageOffline><room><name>caf'), Buffer.from([0xe9]), Buffer.from('</x>')]), at(72)),
    delivery('<nothing/>', { fn: 'sendNothingKnown', ...at(72) }),
    { meta: { ...file.meta, source: 'import', payload: null, filePath: '/srv/chat/in "quotes".xml' }, parsed: file.parsed },
  ];
}

export interface DeskOnBothEngines {
  /** The desk's reads over the SQLite file, as browser mode runs them (on this thread here). */
  sqlite: ReadRunner;
  /** The same calls over the PostgreSQL copy. */
  pg: ReadRunner;
  db: Db;
  engine: PgEngine;
  cluster: PgCluster;
  /** Closes both stores and stops the cluster: the test file's `after`. */
  close(): Promise<void>;
}

/** Makes the desk and copies it; `close` ends both. */
export async function deskOnBothEngines(): Promise<DeskOnBothEngines> {
  const cluster = await startPostgres({ manualStop: true });
  // A folder of its own, removed by close(): tempDir()'s `after` would remove it when a `before` hook that made the desk ends.
  const dir = mkdtempSync(join(tmpdir(), 'omv-desk-'));
  const file = join(dir, 'desk.sqlite');
  const store = openSqliteEngine(file);
  const all = deskDeliveries();
  // The last delivery comes after the review mark: it is what "unreviewed" finds.
  for (const { meta, parsed } of all.slice(0, -1)) await store.writes.receive(meta, parsed);
  await store.close();

  const db = openDatabase(file);
  const service = await cliService(db);
  const actor = operatorActor(db, 'maya');
  const entryWith = (text: string) => db.prepare<[string], number>('SELECT id FROM entries WHERE content LIKE ?').pluck().get(`%${text}%`)!;
  await service.call(actor, 'createTag', { name: 'evidence', colour: '#aa3300', hold: true });
  await service.call(actor, 'createTag', { name: 'Follow-up', colour: '#0055aa', hold: false });
  await service.call(actor, 'tag', { tag: 'evidence', target: 'entry', ids: [entryWith('HYPERLINK'), entryWith('script')] });
  await service.call(actor, 'tag', {
    tag: 'Follow-up',
    target: 'user',
    ids: [db.prepare("SELECT id FROM users WHERE user_id = 'u4'").pluck().get() as number],
  });
  await service.call(actor, 'addNote', { target: 'entry', targetId: entryWith('HYPERLINK'), text: 'a note, "quoted"\nover two lines' });
  await service.call(actor, 'addNote', {
    target: 'room',
    targetId: db.prepare("SELECT id FROM rooms WHERE name = 'kitchen'").pluck().get() as number,
    text: 'watch this room',
  });
  await service.call(actor, 'saveSearch', { name: 'cafés', query: 'café -spam' });
  await service.call(actor, 'saveSearch', { name: 'from u1', query: 'from:u1' });
  await service.call(actor, 'addWatchTerms', { text: 'spam\nwörld\npimp' });
  await service.call(actor, 'checkWatchExisting', {});
  await service.call(actor, 'markReviewed', { room: 'kitchen' });
  const [first, second] = db.prepare<[], number>('SELECT id FROM abuse_reports ORDER BY id').pluck().all();
  await service.call(actor, 'setReportStatus', { id: first!, status: 'actioned', reason: 'warned the user' });
  await service.call(operatorActor(db, 'bob'), 'claimReport', { id: second! });
  // Review work whose order depends on how names compare: NOCASE tags, BINARY terms and saved searches.
  const kitchen = db.prepare("SELECT id FROM rooms WHERE name = 'kitchen'").pluck().get() as number;
  await service.call(actor, 'createTag', { name: 'Zorn', colour: '#112233' });
  await service.call(actor, 'createTag', { name: 'ärger', colour: '#445566' });
  for (const tag of ['Zorn', 'evidence', 'ärger']) await service.call(actor, 'tag', { tag, target: 'room', ids: [kitchen] });
  const secondNote = await service.call(actor, 'addNote', {
    target: 'entry',
    targetId: entryWith('HYPERLINK'),
    text: 'a second note on it',
  });
  await service.call(actor, 'editNote', { id: secondNote.id, text: 'a second note on it, edited', version: 1 });
  await service.call(actor, 'addNote', {
    target: 'user',
    targetId: db.prepare("SELECT id FROM users WHERE user_id = 'u4'").pluck().get() as number,
    text: 'Dora',
  });
  await service.call(actor, 'saveSearch', { name: 'Later', query: 'later' });
  await service.call(actor, 'saveSearch', { name: 'Ärger in the kitchen', query: 'in:kitchen' });
  await service.call(actor, 'saveSearch', { name: 'zz no spam', query: '-spam' });
  await service.call(actor, 'addWatchTerms', { text: 'Flowers\nzebra*\n"the café"\nÄrger\nhello -invisible' });
  await service.call(actor, 'checkWatchExisting', {});
  // What an older omv kept and this one no longer accepts: a query that does not read, a term that is refused.
  db.prepare(
    "INSERT INTO saved_searches (name, query, created_at, opened_at, seen_entry_id) VALUES ('an old query', 'before:notadate', 1, 1, 0)",
  ).run();
  db.prepare("INSERT INTO watch_terms (term, added_at, after_entry_id) VALUES ('*a', 1, 0)").run();
  // Notes and a tag on a user of both domains, two tags alike on one entry, an entry two watch terms match (added for the overview's reads).
  const u1 = db.prepare<[], number>("SELECT id FROM users WHERE user_id = 'u1' ORDER BY id").pluck().all();
  for (const id of u1) await service.call(actor, 'addNote', { target: 'user', targetId: id, text: `u1 of user row ${id}` });
  await service.call(actor, 'tag', { tag: 'evidence', target: 'user', ids: u1 });
  await service.call(actor, 'tag', { tag: 'Follow-up', target: 'entry', ids: [entryWith('HYPERLINK')] });
  await service.call(actor, 'addWatchTerms', { text: 'wonderful' });
  await service.call(actor, 'checkWatchExisting', {});
  // The report reads' own (reviewDeliveries): moderators whose names differ only in case, a report reopened.
  for (const extra of reviewDeliveries()) storeDelivery(db, extra.meta, extra.parsed);
  const [, , third, fourth] = db.prepare<[], number>('SELECT id FROM abuse_reports ORDER BY id').pluck().all();
  await service.call(operatorActor(db, 'Maya'), 'setReportStatus', { id: third!, status: 'in review' });
  await service.call(operatorActor(db, 'élodie'), 'setReportStatus', { id: third!, status: 'dismissed', reason: 'nothing in it' });
  await service.call(operatorActor(db, 'MAYA'), 'assignReport', { id: fourth!, to: 'Élodie' });
  await service.call(operatorActor(db, 'zoë'), 'setReportStatus', { id: first!, status: 'open', reason: 'reopened: more came in' });
  await service.call(operatorActor(db, 'bob'), 'setReportStatus', { id: second!, status: 'in review' });
  // A desk has opened on it: its pseudonym salt is made (on first use), so both engines have the same one.
  await service.call(actor, 'session', {});
  db.close();
  // After the review mark: unreviewed in kitchen, and a match of nothing watched.
  const late = openSqliteEngine(file);
  await late.writes.receive(all.at(-1)!.meta, all.at(-1)!.parsed);
  for (const { meta, parsed } of overviewDeliveries()) await late.writes.receive(meta, parsed);
  await late.close();

  const desk = openDatabase(file);
  const engine = await openPgEngine(cluster.url);
  await engine.writes.copyFromSqlite(desk, () => undefined);
  return {
    sqlite: readsOnThisThread(desk),
    pg: pgReadRunner(engine),
    db: desk,
    engine,
    cluster,
    async close() {
      try {
        desk.close();
        await engine.close();
      } finally {
        cluster.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** What a call answered, or the message it failed with: a refusal must be the same refusal. */
async function answer<M extends ReadMethod>(run: ReadRunner, method: M, args: ReadArgs<M>): Promise<unknown> {
  try {
    return { answered: await run(method, args) };
  } catch (error) {
    return { failed: error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error) };
  }
}

/** Asks both engines `method(args)` and asserts the same answer, value for value; returns it. */
export async function sameAnswer<M extends ReadMethod>(desk: DeskOnBothEngines, method: M, args: ReadArgs<M>): Promise<unknown> {
  const [fromFile, fromPg] = await Promise.all([answer(desk.sqlite, method, args), answer(desk.pg, method, args)]);
  assert.deepEqual(fromPg, fromFile, `${method}(${JSON.stringify(args)})`);
  return fromFile;
}
