// A file large enough to be parsed on a worker thread (over 4 MB) is read through the descriptor
// the importer holds open; when the document is malformed early, the worker stops reading, and
// that must leave the importer's descriptor to the importer. It once closed it: the import then
// failed on closing it again (EBADF), about every other time.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase } from '../main/store/db.js';
import { tempDir } from './support/tmp.js';

test('a large file malformed near its start is kept in quarantine with the reason, every time', async () => {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'omv.sqlite'));
  try {
    for (let i = 0; i < 12; i++) {
      const file = join(dir, `early-${i}.xml`);
      writeFileSync(file, `<messageOffline></oops${i}>${' '.repeat(6_000_000)}</messageOffline>`);
      const result = await importFile(db, file);
      assert.equal(result.status, 'failed');
      assert.match(result.error ?? '', /:1:\d+: unexpected close tag/, `import ${i}: ${result.error}`);
      assert.equal(db.prepare('SELECT status FROM deliveries WHERE id = ?').pluck().get(result.deliveryId), 'quarantined');
    }
  } finally {
    db.close();
  }
});
