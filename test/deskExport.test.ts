// The desk's export says how many rows it will have before the first, and the moderator can stop
// it: it ends as failed, said in an event and recorded in the audit trail, and the next export runs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { ApiEvent } from '../shared/api.js';
import { startApp } from '../main/app.js';
import { importFile } from '../main/intake/fileImport.js';
import { listAudit } from '../main/store/audit.js';
import { openDatabase } from '../main/store/db.js';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { tempDir } from './support/tmp.js';

test('a desk export says its total first, and cancelExport stops it as failed, recorded', async () => {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'omv.sqlite'));
  const file = join(dir, 'chat.xml');
  await writeSyntheticFile(file, { entries: 30_000, rooms: 3, seed: 2 });
  await importFile(db, file);
  const expected = db.prepare('SELECT count(*) FROM entries').pluck().get() as number;
  const app = await startApp({ db, port: 0, viewer: false, log: () => {} });
  const me = app.service.localActor();
  const events: Extract<ApiEvent, { type: 'exportProgress' }>[] = [];
  app.events.subscribe((event) => {
    if (event.type === 'exportProgress') events.push(event);
  });
  try {
    assert.equal(await app.service.call(me, 'cancelExport', {}), false, 'nothing to stop');
    // A reader that takes the first chunk and then waits: the export is under way, and stays so.
    let first: () => void = () => {};
    const started = new Promise<void>((resolve) => (first = resolve));
    const slow = new Writable({
      write(_chunk, _encoding, _done) {
        first(); // never done: the reader is slow
      },
    });
    const exporting = app.service.exportCsv(me, { filter: {} }, slow, { path: null, name: 'all.csv' });
    await started;
    assert.equal(await app.service.call(me, 'cancelExport', {}), true);
    await assert.rejects(exporting, /cancelled/);
    assert.equal(events[0]!.total, expected, 'the total, before the first row');
    assert.equal(events[0]!.rows, 0);
    const last = events.at(-1)!;
    assert.equal(last.done, true);
    assert.match(last.error ?? '', /cancelled/);
    assert.deepEqual(
      listAudit(db)
        .map((row) => row.action)
        .filter((action) => action.startsWith('export')),
      ['export started', 'export failed'],
    );

    // The next one runs to its end.
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    const result = await app.service.exportCsv(me, { filter: {} }, sink, { path: null, name: 'all.csv' });
    assert.equal(result.rows, expected);
    assert.equal(events.at(-1)!.total, expected);
  } finally {
    await app.close();
    db.close();
  }
});
