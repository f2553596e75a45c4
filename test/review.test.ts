// The review workflow: every form of the vendor's abuse report lands in the queue, a report moves
// open → in review → actioned / dismissed (and back) with a reason where one is due, and every
// change is in a hash-chained audit trail that finds an edited, removed or moved row.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBytes } from '../main/parser/parse.js';
import { appendAudit, verifyAudit } from '../main/store/audit.js';
import { insertDelivery } from '../main/store/deliveries.js';
import { openDatabase } from '../main/store/db.js';
import { listReports, setReportStatus } from '../main/store/reports.js';
import { omv } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { ABUSE_CONVERSATION_XML, ABUSE_XML } from './support/payloads.js';
import { startTestReceiver } from './support/receiver.js';
import { tempDir } from './support/tmp.js';

test('both published forms of an abuse report are parsed: the later one keeps its reason, CDATA description and conversation', () => {
  for (const [xml, reason] of [
    [ABUSE_XML, null],
    [ABUSE_CONVERSATION_XML, 'Offensive'],
  ] as const) {
    const events = parseBytes(Buffer.from(xml, 'latin1')).events;
    const report = events.find((e) => e.kind === 'abuse');
    assert.ok(report && report.kind === 'abuse');
    assert.equal(report.report.reason, reason);
    assert.equal(report.report.description, 'Said awful things to me accused me of being a "pimp"');
    assert.equal(report.report.abuserUserId, '23456');
    const entries = events.filter((e) => e.kind === 'entry');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.kind === 'entry' && entries[0]!.entry.room, 'asfd');
  }
});

test('a reportAbuse callback of the later form is stored and listed by omv reports', async () => {
  const receiver = await startTestReceiver();
  const answer = await postForm(
    callbackUrl(receiver.callbackUrl, { function: 'reportAbuse', domainID: 'example.com', callID: 'r1' }),
    Buffer.from(ABUSE_CONVERSATION_XML, 'latin1'),
  );
  assert.equal(answer.status, 200);
  assert.match(answer.text, /stored/);
  const listed = await omv(['reports', '--db', receiver.dbPath, 'list']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^1\topen\t\d{4}-\d\d-\d\dT[\d:.]+Z\t12345\t23456\tOffensive\tasfd\n$/);
});

test('after an upgrade, omv quarantine retry moves a report kept in quarantine by an older omv into the queue', async () => {
  const path = join(tempDir(), 'omv.sqlite');
  const db = openDatabase(path);
  const payload = Buffer.from(ABUSE_CONVERSATION_XML, 'latin1');
  // What an omv that knew only <room> kept: the bytes, quarantined with its reason.
  insertDelivery(
    db,
    {
      source: 'callback',
      function: 'reportAbuse',
      domainId: 'example.com',
      type: null,
      callId: 'old-1',
      receivedAt: Date.UTC(2026, 0, 5),
      payload,
      payloadSize: payload.length,
      sha256: createHash('sha256').update(payload).digest('hex'),
    },
    'quarantined',
    'malformed payload at 11:9: an <entry> comes before its room has a <name>',
  );
  db.close();
  const retried = await omv(['quarantine', '--db', path, 'retry']);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, /1 retried: 1 stored, 0 still quarantined/);
  const listed = await omv(['reports', '--db', path, 'list', '--status', 'open']);
  assert.match(listed.stdout, /^1\topen\t2026-01-05T00:00:00\.000Z\t12345\t23456\tOffensive\tasfd\n$/);
});

test('omv reports set moves a report along the workflow; a decision needs a reason; each change is audited', async () => {
  const receiver = await startTestReceiver();
  for (const callID of ['a', 'b']) {
    const xml = ABUSE_CONVERSATION_XML.replace('12345', `reporter-${callID}`);
    await postForm(
      callbackUrl(receiver.callbackUrl, { function: 'reportAbuse', domainID: 'example.com', callID }),
      Buffer.from(xml, 'latin1'),
    );
  }
  const db = receiver.dbPath;
  const env = { ...process.env, OMV_MODERATOR: 'mod-anna' };
  const set = (...args: string[]) => omv(['reports', '--db', db, 'set', ...args], { env });

  assert.match((await set('1', 'in review')).stdout, /^report 1: open → in review \(audit row 1\)$/m);
  const noReason = await set('1', 'actioned');
  assert.equal(noReason.code, 1);
  assert.match(noReason.stderr, /say why report 1 goes from in review to actioned \(a reason is required\)/);
  assert.match((await set('1', 'actioned', '--reason', 'threats in the quoted message')).stdout, /report 1: in review → actioned/);
  const redecide = await set('1', 'dismissed', '--reason', 'changed my mind');
  assert.equal(redecide.code, 1);
  assert.match(redecide.stderr, /report 1 is actioned: it can go to open, not dismissed/);
  assert.match((await set('2', 'dismissed', '--reason', 'no abuse in the conversation')).stdout, /report 2: open → dismissed/);
  assert.match((await set('2', 'open', '--reason', 'new evidence')).stdout, /report 2: dismissed → open/);
  const bad = await omv(['reports', '--db', db, 'set', '2', 'closed', '--reason', 'x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /STATUS is one of open, in review, actioned, dismissed/);

  assert.match(
    (await omv(['reports', '--db', db, 'list', '--status', 'actioned'])).stdout,
    /^1\tactioned\t.*\treporter-a\t23456\tOffensive\tasfd\n$/,
  );
  const audit = await omv(['audit', '--db', db, 'list']);
  assert.deepEqual(
    audit.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t').slice(2).join(' | ')),
    [
      'mod-anna | report status | {"report":1,"from":"open","to":"in review","reason":null}',
      'mod-anna | report status | {"report":1,"from":"in review","to":"actioned","reason":"threats in the quoted message"}',
      'mod-anna | report status | {"report":2,"from":"open","to":"dismissed","reason":"no abuse in the conversation"}',
      'mod-anna | report status | {"report":2,"from":"dismissed","to":"open","reason":"new evidence"}',
    ],
  );
  const verify = await omv(['audit', '--db', db, 'verify']);
  assert.equal(verify.code, 0);
  assert.equal(verify.stdout, 'audit chain intact: 4 rows\n');
  assert.deepEqual(
    listReports(receiver.db).map((r) => [r.id, r.status]),
    [
      [2, 'open'],
      [1, 'actioned'],
    ],
  );
});

test('the audit chain finds an edited, a removed, a moved and a dropped last row, at that row', async () => {
  const tamper = async (name: string, edit: (db: ReturnType<typeof openDatabase>) => void, expected: RegExp) => {
    const path = join(tempDir(), `${name}.sqlite`);
    const db = openDatabase(path);
    db.transaction(() => {
      for (let i = 1; i <= 5; i++) appendAudit(db, 'tagged', 'mod-anna', { entry: i, tag: 'spam' }, Date.UTC(2026, 0, i));
    })();
    assert.deepEqual(verifyAudit(db), { intact: true, rows: 5 });
    edit(db);
    db.close();
    const verify = await omv(['audit', '--db', path, 'verify']);
    assert.equal(verify.code, 1, `${name}: ${verify.stdout}`);
    assert.match(verify.stdout, expected, name);
  };
  await tamper(
    'edited',
    (db) => db.prepare(`UPDATE audit_log SET details = '{"entry":3,"tag":"ham"}' WHERE id = 3`).run(),
    /^audit chain broken at row 3: its content was changed after it was written \(2 rows before it verify\)\n$/,
  );
  await tamper('removed', (db) => db.prepare('DELETE FROM audit_log WHERE id = 2').run(), /^audit chain broken at row 3: row 2 is missing/);
  await tamper(
    'moved',
    (db) => {
      // Rows 2 and 4 swap places, each with its own hashes.
      db.prepare('UPDATE audit_log SET id = -2 WHERE id = 2').run();
      db.prepare('UPDATE audit_log SET id = 2 WHERE id = 4').run();
      db.prepare('UPDATE audit_log SET id = 4 WHERE id = -2').run();
    },
    /^audit chain broken at row 2: it does not follow the row before it/,
  );
  await tamper(
    'dropped last',
    (db) => db.prepare('DELETE FROM audit_log WHERE id = 5').run(),
    /^audit chain broken at row 5: the trail held 5 rows/,
  );
});

test('a report that is not there, or a status move the workflow does not allow, changes nothing', () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  assert.throws(() => setReportStatus(db, { id: 9, to: 'actioned', reason: 'x', moderator: 'm' }), /no report 9/);
  assert.deepEqual(verifyAudit(db), { intact: true, rows: 0 });
  db.close();
});
