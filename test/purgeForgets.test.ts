// A purge forgets what it removes: after `omv purge` beside a running `omv serve`, the purged
// messages are nowhere in the database file or its WAL — not in the entries, the full-text index,
// the raw payloads kept as proof, quarantined payloads, notes or the audit trail's text, nor in
// free pages — while what is kept (newer messages, held ones) stays whole, with the proof of it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyAudit } from '../main/store/audit.js';
import { checkDatabase } from '../main/store/check.js';
import { openDatabase } from '../main/store/db.js';
import { addNote } from '../main/store/notes.js';
import { createTag, tagTargets } from '../main/store/tags.js';
import { omv, omvServe } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const OLD = Date.UTC(2020, 0, 1);
const NEW = Date.UTC(2099, 0, 1);
const CUTOFF = Date.UTC(2030, 0, 1);
// Words no other part of the database holds: each one found after the purge is a trace.
const PURGED = ['zqalphaword', 'zqbetaword', 'zqgammaword', 'zqdeltaword', 'zqnoteword'];
const KEPT = ['zqkeptword', 'zqheldword'];

/** Every file SQLite keeps for the database, as it is on disk. */
function onDisk(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file)));
}

const traces = (bytes: Buffer, words: readonly string[]) =>
  words.filter((word) => bytes.includes(word) || bytes.includes(word.toUpperCase()));

test('omv purge beside omv serve leaves no trace of what it removed: entries, index, raw payloads, quarantine, notes, trail, free pages', async () => {
  const dir = tempDir();
  const path = join(dir, 'omv.sqlite');
  const server = await omvServe(['--db', path, '--quiet']);
  const send = async (callID: string, xml: string) => {
    const answer = await postForm(callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd', callID }), xml);
    assert.equal(answer.status, 200, answer.text);
    return answer.text;
  };
  // All old: the payload goes. Mixed: the old message is cut out, the new one stays with its proof.
  // Held: a hold keeps one old message, the other old one is cut out.
  await send('all-old', messagesXml({ lobby: [{ ts: OLD, user: 'alice', content: 'I know where you live zqalphaword' }] }));
  await send(
    'mixed',
    messagesXml({
      lobby: [
        { ts: OLD + 1, user: 'bob', content: 'zqbetaword is my number' },
        { ts: NEW, user: 'bob', content: 'zqkeptword arrives later' },
      ],
    }),
  );
  await send(
    'held',
    messagesXml({
      games: [
        { ts: OLD + 2, user: 'carol', content: 'evidence zqheldword' },
        { type: 'join', ts: OLD + 3, user: 'dave' },
        { ts: OLD + 4, user: 'dave', content: 'gone zqgammaword' },
      ],
    }),
  );
  // A payload that could not be read, kept in quarantine, arrived before the cut-off.
  const quarantined = await send('bad', '<messageOffline><room><name>x</name><messages><entry>zqdeltaword');
  assert.match(quarantined, /kept in quarantine/);

  const db = openDatabase(path);
  const idOf = (word: string) => db.prepare<[string], number>('SELECT id FROM entries WHERE content LIKE ?').pluck().get(`%${word}%`)!;
  createTag(db, { name: 'legal-hold', colour: '#000000', hold: true }, 'mod-anna');
  tagTargets(db, 'legal-hold', 'entry', [idOf('zqheldword')], 'mod-anna');
  addNote(db, 'entry', idOf('zqalphaword'), 'threat, see zqnoteword', 'mod-anna');
  addNote(db, 'entry', idOf('zqheldword'), 'keep this one', 'mod-anna');
  db.close();
  assert.deepEqual(traces(onDisk(path), [...PURGED, ...KEPT]).sort(), [...PURGED, ...KEPT].sort(), 'every word is on disk before');

  // Callbacks keep arriving during the purge (each a new segment of the index while it is rewritten).
  let sending = true;
  const sender = (async () => {
    for (let n = 0; sending; n++)
      await send(`during-${n}`, messagesXml({ lobby: [{ ts: NEW + 10 + n, user: 'erin', content: `during ${n}` }] }));
  })();
  const purged = await omv(['purge', '--db', path, '--before', new Date(CUTOFF).toISOString()], {
    env: { ...process.env, OMV_MODERATOR: 'mod-anna' },
  });
  sending = false;
  await sender;
  assert.equal(purged.code, 0, purged.stderr);
  assert.match(
    purged.stdout,
    /^removed 4 entries older than 2030-01-01T00:00:00\.000Z; kept 1 under a hold, 0 quoted by open reports \(audit row \d+\)$/m,
  );
  assert.match(
    purged.stdout,
    /^forgotten: 2 payloads rewritten without them, 1 dropped, 1 quarantined payloads dropped, 1 notes removed \(1 audit rows redacted\)$/m,
  );

  // omv serve keeps receiving, and nothing it does brings the purged text back.
  await send('after', messagesXml({ lobby: [{ ts: NEW + 1, user: 'erin', content: 'still here' }] }));
  for (const file of [path, `${path}-wal`])
    if (existsSync(file))
      assert.deepEqual(
        traces(readFileSync(file), PURGED),
        [],
        `no purged word in ${file.endsWith('-wal') ? 'the WAL' : 'the database file'}`,
      );
  assert.deepEqual(traces(onDisk(path), KEPT).sort(), [...KEPT].sort(), 'what is kept is still there');

  const after = openDatabase(path);
  const payloads = after
    .prepare<[], { call_id: string; payload: Buffer | null; payload_note: string | null; status: string }>(
      'SELECT call_id, payload, payload_note, status FROM deliveries ORDER BY id',
    )
    .all();
  const byCall = Object.fromEntries(payloads.map((p) => [p.call_id, p]));
  assert.equal(byCall['all-old']!.payload, null);
  assert.match(byCall['all-old']!.payload_note!, /dropped by a purge .*: all 1 of its entries were purged; sha256 is the original's/);
  assert.match(byCall['mixed']!.payload!.toString('utf8'), /zqkeptword/);
  assert.match(byCall['mixed']!.payload_note!, /rewritten by a purge .*: 1 purged entry cut out/);
  assert.match(byCall['held']!.payload!.toString('utf8'), /zqheldword/, 'the held message stays, with its proof');
  assert.doesNotMatch(byCall['held']!.payload!.toString('utf8'), /type="join"/, 'the old join went with the purge');
  assert.equal(byCall['bad']!.payload, null);
  assert.equal(after.prepare("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'zqheldword'").pluck().get(), 1);
  const check = checkDatabase(after);
  assert.ok(check.ok, check.lines.join('\n'));
  assert.deepEqual(verifyAudit(after), { intact: true, rows: verifyAudit(after).rows, redacted: 1 });
  after.close();

  // The rewritten proof still reads: retried, it stores nothing new and brings nothing back.
  const retry = await omv(['quarantine', '--db', path, 'retry']);
  assert.equal(retry.code, 0, retry.stderr);
  assert.match(retry.stdout, /quarantined +\d+: .*dropped by a purge/);
});

test('a purge runs in short transactions: a writer beside it is never refused for a stale snapshot or a long lock', async () => {
  const dir = tempDir();
  const path = join(dir, 'omv.sqlite');
  const server = await omvServe(['--db', path]); // logging: a refused delivery's line says why
  const db = openDatabase(path);
  const rooms = Object.fromEntries(
    Array.from({ length: 10 }, (_, r) => [
      `room${r}`,
      Array.from({ length: 2000 }, (_, i) => ({ ts: OLD + i * 1000 + r, user: `u${i % 50}`, content: `old message ${i}` })),
    ]),
  );
  const file = join(dir, 'old.xml');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, messagesXml(rooms));
  const { importFile } = await import('../main/intake/fileImport.js');
  await importFile(db, file, { domainId: 'd' });

  // Senders keep delivering for the whole purge; every one must be answered 200.
  let sending = true;
  const answers: number[] = [];
  const senders = Array.from({ length: 8 }, async (_, s) => {
    for (let n = 0; sending; n++) {
      const answer = await postForm(
        callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'd', callID: `s${s}-${n}` }),
        messagesXml({ live: [{ ts: NEW + s * 1_000_000 + n, user: `s${s}`, content: `live ${n}` }] }),
      );
      answers.push(answer.status);
    }
  });
  db.close();
  // Another process, as an operator runs it beside the receiver.
  const purged = await omv(['purge', '--db', path, '--before', new Date(CUTOFF).toISOString()]);
  sending = false;
  await Promise.all(senders);
  assert.equal(purged.code, 0, purged.stderr);
  assert.match(purged.stdout, /^removed 20000 entries/);
  assert.ok(answers.length > 0, 'deliveries were answered during the purge');
  assert.deepEqual(
    [...new Set(answers)],
    [200],
    `every delivery during the purge was stored\n${server
      .output()
      .split('\n')
      .filter((l) => /503/.test(l))
      .slice(0, 3)
      .join('\n')}`,
  );
  const after = openDatabase(path);
  assert.equal(after.prepare('SELECT count(*) FROM entries').pluck().get(), answers.length);
  after.close();
});
