// What `omv import` is given besides plain files: standard input, pipes, a FIFO, a device that
// never ends, folders with symbolic links, many small files. Each is read once and imported, or
// refused with a clear message; nothing hangs and nothing is imported empty.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase } from '../main/store/db.js';
import { omv } from './support/cli.js';
import { messagesXml, SEED_XML } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const messages = (dbPath: string) => {
  const db = openDatabase(dbPath, { mustExist: true });
  try {
    return db.prepare<[], string>("SELECT content FROM entries WHERE type = 'msg' ORDER BY ts").pluck().all();
  } finally {
    db.close();
  }
};

describe('omv import reads what it is given once', () => {
  test('"-" is standard input', async () => {
    const db = join(tempDir(), 'omv.sqlite');
    const result = await omv(['import', '--db', db, '-'], { input: SEED_XML });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^new {8}\(standard input\): 3 entries \(3 new\)$/m);
    assert.deepEqual(messages(db), ['this is my message']);
  });

  test('/dev/stdin, a pipe like any other', async () => {
    const db = join(tempDir(), 'omv.sqlite');
    const result = await omv(['import', '--db', db, '/dev/stdin'], { input: SEED_XML });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^new {8}\/dev\/stdin: 3 entries \(3 new\)$/m);
    assert.deepEqual(messages(db), ['this is my message']);
  });

  test('a FIFO with a writer at the other end', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'payload.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    writeFileSync(join(dir, 'source.xml'), SEED_XML);
    const writer = spawn('sh', ['-c', `cat "${join(dir, 'source.xml')}" > "${fifo}"`]);
    const result = await omv(['import', '--db', join(dir, 'omv.sqlite'), fifo]);
    writer.kill();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /payload\.fifo: 3 entries \(3 new\)$/m);
    assert.deepEqual(messages(join(dir, 'omv.sqlite')), ['this is my message']);
  });

  test('a device that never ends (/dev/zero) is refused at once', async () => {
    const result = await omv(['import', '--db', join(tempDir(), 'omv.sqlite'), '/dev/zero']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^failed {5}\/dev\/zero: not an XML document: it starts with the byte 0x00$/m);
  });
});

test('folders: symbolic links to files and folders are followed, a loop is walked once', async () => {
  const dir = tempDir();
  const elsewhere = tempDir();
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'a.xml'), messagesXml({ r: [{ ts: 1, user: 'u', content: 'plain file' }] }));
  writeFileSync(join(elsewhere, 'b.xml'), messagesXml({ r: [{ ts: 2, user: 'u', content: 'through a linked file' }] }));
  mkdirSync(join(elsewhere, 'more'));
  writeFileSync(join(elsewhere, 'more', 'c.xml'), messagesXml({ r: [{ ts: 3, user: 'u', content: 'in a linked folder' }] }));
  symlinkSync(join(elsewhere, 'b.xml'), join(dir, 'sub', 'b.xml'));
  symlinkSync(join(elsewhere, 'more'), join(dir, 'more'));
  symlinkSync(dir, join(dir, 'sub', 'loop'));
  const db = join(dir, 'omv.sqlite');
  const result = await omv(['import', '--db', db, dir]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^3 files: 3 new/m);
  assert.deepEqual(messages(db), ['plain file', 'through a linked file', 'in a linked folder']);
});

test('a folder with no .xml files imports nothing, exit 0, and says so', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'notes.txt'), 'not a payload');
  const result = await omv(['import', '--db', join(tempDir(), 'omv.sqlite'), dir]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /omv import: no \.xml files in the folders named: nothing to import\n/);
  assert.match(result.stdout, /^0 files: 0 new/m);
});

test('many small files are each imported whole', async () => {
  const dir = tempDir();
  for (let i = 0; i < 300; i++)
    writeFileSync(join(dir, `f${String(i).padStart(3, '0')}.xml`), messagesXml({ r: [{ ts: i, user: 'u', content: `file ${i}` }] }));
  const db = join(tempDir(), 'omv.sqlite');
  const result = await omv(['import', '--db', db, dir]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^300 files: 300 new, 0 duplicate, 0 failed; 300 entries read, 300 new$/m);
  assert.equal(messages(db).length, 300);
});

test('a large file whose name is deleted while it is imported is imported whole (it was opened once)', async () => {
  const dir = tempDir();
  const file = join(dir, 'big.xml');
  await writeSyntheticFile(file, { entries: 60_000, rooms: 3, seed: 9 });
  const db = openDatabase(join(dir, 'omv.sqlite'));
  let deleted = false;
  const result = await importFile(db, file, {
    batchSize: 5_000,
    onProgress: () => {
      if (!deleted) unlinkSync(file);
      deleted = true;
    },
  });
  assert.ok(deleted);
  assert.deepEqual([result.status, result.entries, result.newEntries], ['new', 60_000, 60_000]);
  assert.equal(db.prepare("SELECT count(*) FROM deliveries WHERE status = 'importing'").pluck().get(), 0);
  db.close();
});
