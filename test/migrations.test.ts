import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../main/store/db.js';
import { LATEST_VERSION, migrate, MIGRATIONS } from '../main/store/migrations/index.js';
import { tempDir } from './support/tmp.js';

const tables = (db: Database.Database) =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();

test('migrations are numbered in tens, in order (a range may be skipped: work done apart starts at 0300)', () => {
  MIGRATIONS.forEach((migration, i) => {
    assert.equal(migration.version % 10, 0);
    if (i > 0) assert.ok(migration.version > MIGRATIONS[i - 1]!.version);
  });
});

test('0010-initial creates the schema from nothing, and a second open changes nothing', () => {
  const path = join(tempDir(), 'omv.sqlite');
  const db = openDatabase(path);
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  const schema = tables(db);
  for (const name of [
    'deliveries',
    'rooms',
    'users',
    'entries',
    'entries_fts',
    'entries_identity',
    'abuse_reports',
    'abuse_report_entries',
    'connection_snapshots',
  ]) {
    assert.ok(schema.includes(name), `${name} exists`);
  }
  assert.equal(db.prepare("SELECT v FROM entries_fts_config WHERE k = 'hashsize'").pluck().get(), 4 * 1024 * 1024);
  db.close();
  const again = openDatabase(path);
  assert.deepEqual(tables(again), schema);
  again.close();
});

test('each step applies on top of the one before, keeping its rows', () => {
  const db = new Database(join(tempDir(), 'steps.sqlite'));
  const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  for (const migration of MIGRATIONS) {
    migrate(db, migration.version - 1);
    // Rows written under the schema before the step (none exist before the first).
    if (migration.version > MIGRATIONS[0]!.version) {
      db.prepare("INSERT INTO rooms (domain_id, name) VALUES ('d', ?)").run(`room before ${migration.version}`);
      db.prepare(
        "INSERT INTO deliveries (source, domain_id, received_at, payload, payload_size, sha256, status) VALUES ('callback', 'd', ?, x'3c612f3e', 4, 'h', 'stored')",
      ).run(migration.version);
    }
    const before = {
      rooms: count("sqlite_schema WHERE type = 'table'"),
      kept: migration.version > MIGRATIONS[0]!.version ? [count('rooms'), count('deliveries')] : [],
    };
    migrate(db, migration.version);
    assert.equal(db.pragma('user_version', { simple: true }), migration.version);
    assert.ok(count("sqlite_schema WHERE type = 'table'") >= before.rooms, `${migration.version} keeps the tables`);
    if (before.kept.length) assert.deepEqual([count('rooms'), count('deliveries')], before.kept, `${migration.version} keeps the rows`);
  }
  assert.equal(count('rooms'), MIGRATIONS.length - 1);
  db.close();
});

test('0020 drops the room index the identity index replaces, keeping the rows', () => {
  const path = join(tempDir(), 'old.sqlite');
  const old = new Database(path);
  old.pragma('journal_mode = WAL');
  migrate(old, 10);
  old.prepare("INSERT INTO rooms (domain_id, name) VALUES ('d', 'lobby')").run();
  old.close();
  const db = openDatabase(path);
  assert.ok(!tables(db).includes('entries_room_ts'));
  assert.equal(db.prepare('SELECT count(*) FROM rooms').pluck().get(), 1);
  db.close();
});

test('a database from a newer omv is refused, not damaged', () => {
  const path = join(tempDir(), 'future.sqlite');
  const raw = new Database(path);
  raw.pragma(`user_version = ${LATEST_VERSION + 10}`);
  raw.close();
  assert.throws(() => openDatabase(path), /newer than this omv understands/);
});
