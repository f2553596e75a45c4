// The callback path and the import path share one parser and one writer: the same XML gives the
// same rows whichever way it arrives.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { syntheticPayload } from './support/synthetic.js';
import { callbackUrl, postForm } from './support/http.js';
import { ABUSE_XML, CLASSIC_ARCHIVE_XML, ROOMS_XML, SEED_XML } from './support/payloads.js';
import { startTestReceiver } from './support/receiver.js';
import { tempDir } from './support/tmp.js';

const PAYLOADS: Array<[fn: string, bytes: Buffer]> = [
  ['sendOfflineMessages', Buffer.from(SEED_XML)],
  ['sendArchive', Buffer.from(CLASSIC_ARCHIVE_XML, 'latin1')],
  ['reportAbuse', Buffer.from(ABUSE_XML, 'latin1')],
  ['sendConnectionList', Buffer.from(ROOMS_XML)],
  ['sendArchive', Buffer.from(syntheticPayload({ entries: 2000, rooms: 12, seed: 42 }))],
];

function contents(db: Db) {
  return {
    entries: db
      .prepare(
        `SELECT r.domain_id, r.name, e.type, e.ts, e.ts_raw, u.user_id, u.display_name AS user_name, e.display_name, e.invisible, e.content
         FROM entries e JOIN rooms r ON r.id = e.room_id LEFT JOIN users u ON u.id = e.user_id ORDER BY e.ts, e.id`,
      )
      .all(),
    reports: db
      .prepare(
        `SELECT reporting_user_id, abuser_user_id, abuser_ip_address, recording_name, recording_url, description, group_concat(e.content) AS quoted
         FROM abuse_reports a JOIN abuse_report_entries l ON l.report_id = a.id JOIN entries e ON e.id = l.entry_id GROUP BY a.id`,
      )
      .all(),
    rosters: db
      .prepare(
        `SELECT r.name, s.user_count, group_concat(u.user_id) AS users FROM connection_snapshot_rooms s JOIN rooms r ON r.id = s.room_id
         LEFT JOIN connection_snapshot_users su ON su.snapshot_id = s.snapshot_id AND su.room_id = s.room_id LEFT JOIN users u ON u.id = su.user_id
         GROUP BY s.snapshot_id, s.room_id ORDER BY r.name`,
      )
      .all(),
    fts: db.prepare('SELECT count(*) FROM entries_fts WHERE entries_fts MATCH ?').pluck().get('"message"'),
  };
}

test('a payload posted to the receiver and the same payload imported from a file give identical rows', async () => {
  const receiver = await startTestReceiver();
  for (const [i, [fn, bytes]] of PAYLOADS.entries()) {
    const answer = await postForm(callbackUrl(receiver.callbackUrl, { function: fn, domainID: 'example.com', callID: String(i) }), bytes);
    assert.equal(answer.status, 200);
    assert.match(answer.text, /stored/);
  }

  const dir = tempDir();
  const imported = openDatabase(join(dir, 'imported.sqlite'));
  for (const [i, [, bytes]] of PAYLOADS.entries()) {
    const file = join(dir, `${i}.xml`);
    writeFileSync(file, bytes);
    await importFile(imported, file, { domainId: 'example.com', batchSize: 97 });
  }

  const viaCallback = contents(receiver.db);
  const viaImport = contents(imported);
  assert.equal(viaCallback.entries.length, 2004);
  assert.equal(viaCallback.reports.length, 1);
  assert.equal(viaCallback.rosters.length, 2);
  assert.deepEqual(viaImport, viaCallback);
  imported.close();
});
