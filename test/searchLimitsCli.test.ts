// Search without silent limits, as omv search and omv export --query answer it (the built CLI in
// a child process, on a database it imported itself): as many hits as asked, the exact count,
// -spam and from:u1 alone, in: by words, and a query with a part that cannot be read runs not at all.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { busySpecs, hasWord, writeBusyFile, type BusySpec } from './support/busyRooms.js';
import { omv } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const specs = busySpecs();
const dir = tempDir();
const dbPath = join(dir, 'omv.sqlite');

before(async () => {
  writeBusyFile(join(dir, 'busy.xml'), specs);
  const imported = await omv(['import', '--db', dbPath, join(dir, 'busy.xml')]);
  assert.equal(imported.code, 0, imported.stderr);
});

/** The specs a filter should select, newest first, by time. */
const expected = (keep: (spec: BusySpec) => boolean) =>
  specs
    .filter(keep)
    .map((s) => s.ts)
    .reverse();

describe('omv search and omv export --query: every hit, exact counts, and a bad query runs not at all', () => {
  test('omv search shows as many hits as --limit asks (past a page of 1,000) and exactly how many there are', async () => {
    const common = expected((s) => hasWord(s, 'common'));
    const result = await omv(['search', '--db', dbPath, '--limit', '2500', 'common']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), `2500 of ${common.length} hits shown`);
    assert.equal(lines.length, 2501);
    assert.equal(lines[2499]!.slice(0, 24), new Date(common[2499]!).toISOString());
  });

  test('omv search -spam, from:u1 alone and in:259 answer what they say, with exact counts', async () => {
    const notSpam = await omv(['search', '--db', dbPath, '--limit', '3', '--', '-spam']);
    assert.equal(notSpam.code, 0, notSpam.stderr);
    assert.equal(notSpam.stdout.trimEnd().split('\n').at(-1), `3 of ${expected((s) => !hasWord(s, 'spam')).length} hits shown`);
    assert.doesNotMatch(notSpam.stdout, /spam/);
    const u1 = await omv(['search', '--db', dbPath, '--limit', '2', 'from:u1']);
    assert.equal(u1.code, 0, u1.stderr);
    assert.equal(u1.stdout.trimEnd().split('\n').at(-1), `2 of ${expected((s) => s.user === 'u1').length} hits shown`);
    const inSalle = await omv(['search', '--db', dbPath, '--limit', '1', 'in:259', 'spam']);
    assert.equal(inSalle.code, 0, inSalle.stderr);
    assert.match(inSalle.stdout, /salle-259 ✨/);
    assert.equal(
      inSalle.stdout.trimEnd().split('\n').at(-1),
      `1 of ${expected((s) => s.room === 'salle-259 ✨' && hasWord(s, 'spam')).length} hits shown`,
    );
  });

  test('a query with a part that cannot be read answers the error alone: no hits, no export file', async () => {
    const search = await omv(['search', '--db', dbPath, 'spam', 'before:yesterday']);
    assert.equal(search.code, 2);
    assert.equal(search.stdout, '');
    assert.match(search.stderr, /before: "yesterday" is not a date/);
    const out = join(tempDir(), 'bad.csv');
    const exported = await omv(['export', '--db', dbPath, '--out', out, '--query', 'spam before:yesterday']);
    assert.equal(exported.code, 2);
    assert.match(exported.stderr, /before: "yesterday" is not a date/);
    assert.equal(existsSync(out), false);
    // And the same query, read right, exports exactly its hits.
    const good = await omv(['export', '--db', dbPath, '--out', out, '--query', 'spam in:room-25*']);
    assert.equal(good.code, 0, good.stderr);
    const rows = readFileSync(out, 'utf8').trimEnd().split('\n').length - 1;
    assert.equal(rows, specs.filter((s) => hasWord(s, 'spam') && s.room.startsWith('room-25')).length);
  });
});

describe('omv export says whether it carries real or pseudonymous IDs', () => {
  test('--pseudonymous writes pseudonyms for user IDs, and both manifests say which', async () => {
    const out = join(tempDir(), 'ids');
    const real = await omv(['export', '--db', dbPath, '--out', `${out}-real.csv`, '--query', 'from:u3 spam']);
    assert.equal(real.code, 0, real.stderr);
    const pseudonymous = await omv(['export', '--db', dbPath, '--out', `${out}-pseudo.csv`, '--pseudonymous', '--query', 'from:u3 spam']);
    assert.equal(pseudonymous.code, 0, pseudonymous.stderr);
    const manifest = (file: string) => JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8')) as { ids: string; rows: number };
    assert.equal(manifest(`${out}-real.csv`).ids, 'real');
    assert.equal(manifest(`${out}-pseudo.csv`).ids, 'pseudonymous');
    const rows = (file: string) =>
      readFileSync(file, 'utf8')
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((line) => line.split(',')[6]);
    const wanted = specs.filter((s) => s.user === 'u3' && hasWord(s, 'spam')).length;
    assert.deepEqual(new Set(rows(`${out}-real.csv`)), new Set(['u3']));
    const names = rows(`${out}-pseudo.csv`);
    assert.equal(names.length, wanted);
    assert.equal(new Set(names).size, 1);
    assert.match(names[0]!, /^user-[0-9a-z]{1,6}$/);
  });
});
