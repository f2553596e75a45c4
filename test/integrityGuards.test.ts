// Guards that keep what omv promises, each a line of code a careless change could remove without
// any other test noticing: commits synced to disk before the 200, a field cut at its limit never
// split inside a character, two different messages never taken for one, a decided report never
// reopened without a reason.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startApp } from '../main/app.js';
import { importFile } from '../main/intake/fileImport.js';
import { MAX_FIELD_CHARS } from '../main/parser/payloadParser.js';
import { openDatabase } from '../main/store/db.js';
import { setReportStatus } from '../main/store/reports.js';
import { omv } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { ABUSE_CONVERSATION_XML, messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

test('the receiver commits with synchronous=FULL: a delivery answered 200 is on disk, power loss included', async () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  const app = await startApp({ db, port: 0, viewer: false, log: () => {} });
  try {
    const answer = await postForm(
      callbackUrl(app.receiver!.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd', callID: '1' }),
      messagesXml({ lobby: [{ ts: 1, user: 'u', content: 'hello' }] }),
    );
    assert.equal(answer.status, 200);
    // The connection that committed it: FULL (2) syncs the WAL at every commit; NORMAL (1) does not.
    assert.equal(db.pragma('synchronous', { simple: true }), 2);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    await app.close();
    db.close();
  }
});

test('a field cut at its limit keeps whole characters: an emoji across the limit is dropped, not halved', async () => {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'omv.sqlite'));
  // The emoji's first half is the limit's last character.
  const content = `${'a'.repeat(MAX_FIELD_CHARS - 1)}😀 and more`;
  const file = join(dir, 'long.xml');
  writeFileSync(file, messagesXml({ lobby: [{ ts: 1, user: 'u', content }] }));
  const result = await importFile(db, file, { domainId: 'd' });
  assert.equal(result.status, 'new');
  const stored = db.prepare<[], string>('SELECT content FROM entries').pluck().get()!;
  assert.equal(stored.length, MAX_FIELD_CHARS - 1);
  const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  assert.doesNotMatch(stored, loneSurrogate, 'no half character: the text is valid UTF-16, and valid UTF-8 in every export');
  db.close();
});

test('two different messages of one room, millisecond and user are two entries', async () => {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'omv.sqlite'));
  const file = join(dir, 'same-moment.xml');
  writeFileSync(
    file,
    messagesXml({
      lobby: [
        { ts: 1_700_000_000_000, user: 'alice', content: 'I will call you' },
        { ts: 1_700_000_000_000, user: 'alice', content: 'I will find you' },
        { ts: 1_700_000_000_000, user: 'alice', content: 'I will find you' }, // the same message twice is one
      ],
    }),
  );
  const result = await importFile(db, file, { domainId: 'd' });
  assert.deepEqual([result.entries, result.newEntries], [3, 2]);
  assert.deepEqual(db.prepare('SELECT content FROM entries ORDER BY id').pluck().all(), ['I will call you', 'I will find you']);
  db.close();
});

test('a decided report is reopened only with a reason, in the store and on the command line', async () => {
  const dir = tempDir();
  const path = join(dir, 'omv.sqlite');
  const db = openDatabase(path);
  const file = join(dir, 'report.xml');
  writeFileSync(file, ABUSE_CONVERSATION_XML, 'latin1');
  await importFile(db, file, { domainId: 'd' });
  setReportStatus(db, { id: 1, to: 'dismissed', reason: 'nothing there', moderator: 'mod-anna' });
  assert.throws(() => setReportStatus(db, { id: 1, to: 'open', moderator: 'mod-anna' }), /a reason is required/);
  assert.throws(() => setReportStatus(db, { id: 1, to: 'open', reason: '   ', moderator: 'mod-anna' }), /a reason is required/);
  db.close();
  const cli = await omv(['reports', '--db', path, 'set', '1', 'open']);
  assert.notEqual(cli.code, 0);
  assert.match(cli.stderr, /reason/);
  const reopened = await omv(['reports', '--db', path, 'set', '1', 'open', '--reason', 'new evidence']);
  assert.equal(reopened.code, 0, reopened.stderr);

  const again = openDatabase(path);
  setReportStatus(again, { id: 1, to: 'in review', moderator: 'mod-anna' });
  setReportStatus(again, { id: 1, to: 'actioned', reason: 'threats', moderator: 'mod-anna' });
  assert.throws(() => setReportStatus(again, { id: 1, to: 'open', moderator: 'mod-anna' }), /a reason is required/);
  again.close();
});
