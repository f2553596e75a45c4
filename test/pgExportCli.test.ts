// omv export on a PostgreSQL store, through the built CLI: the same deliveries in a SQLite file and
// in PostgreSQL export to the same bytes (CSV with the formula guard, --raw, JSON Lines, a search),
// with the review's columns and pseudonyms, and the export is recorded in PostgreSQL's audit trail,
// its manifest naming that row.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, omv } from './support/cli.js';
import { delivery, openEngines } from './support/engines.js';
import { messagesXml } from './support/payloads.js';
import { openDatabase } from '../main/store/db.js';
import { postgresSkipReason, query } from './support/postgres.js';
import { tempDir } from './support/tmp.js';

const skip = postgresSkipReason();
const day = Date.UTC(2025, 6, 1);

test(
  'omv export --store postgres://… writes the bytes omv export writes from a SQLite file holding the same deliveries, and records them in its trail',
  { skip },
  async () => {
    const engines = await openEngines();
    const xml = messagesXml({
      lobby: [
        { ts: day + 1, user: 'u1', content: '=HYPERLINK("http://evil.example","click") hello' },
        { ts: day + 2, user: 'u2', displayName: 'Zoë "the" Admin', content: 'comma, quote " and\nnew line 🙂 hello' },
        { ts: day + 3, user: 'u3', content: '+1 -1 @all' },
      ],
      kitchen: Array.from({ length: 12_000 }, (_, i) => ({
        ts: day + 1_000 + i,
        user: `u${i % 9}`,
        content: `line ${i} ${i % 3 ? 'hello' : 'bye'}`,
      })),
    });
    for (const engine of [engines.sqlite, engines.pg]) {
      const { meta, parsed } = delivery(xml);
      await engine.writes.receive(meta, parsed);
    }
    const dir = tempDir();
    const variants: string[][] = [
      [],
      ['--raw'],
      ['--format', 'jsonl'],
      ['--query', 'hello in:lobby'],
      ['--query', 'bye', '--from', '2025-07-01T00:00:05Z'],
    ];
    for (const [n, flags] of variants.entries()) {
      const onFile = join(dir, `sqlite-${n}`);
      const onPostgres = join(dir, `postgres-${n}`);
      const a = await omv(['export', '--db', engines.sqlitePath, '--out', onFile, ...flags]);
      const b = await omv(['export', '--store', engines.cluster.url, '--out', onPostgres, ...flags]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.ok(readFileSync(onPostgres).equals(readFileSync(onFile)), `omv export ${flags.join(' ')}: the bytes differ`);
      const manifestOf = (path: string) => JSON.parse(readFileSync(`${path}.manifest.json`, 'utf8')) as Record<string, unknown>;
      const [sqliteManifest, pgManifest] = [manifestOf(onFile), manifestOf(onPostgres)];
      for (const field of ['format', 'query', 'filter', 'rows', 'firstEntryTime', 'lastEntryTime', 'sha256'])
        assert.deepEqual(pgManifest[field], sqliteManifest[field], `${field} of the manifest (${flags.join(' ')})`);
      assert.equal(pgManifest['sha256'], createHash('sha256').update(readFileSync(onPostgres)).digest('hex'));
      assert.match(
        b.stderr,
        new RegExp(
          `omv: manifest .*postgres-${n}\\.manifest\\.json \\(sha256 [0-9a-f]{64}, audit row ${String(pgManifest['auditRow'])}\\)`,
        ),
      );
    }
    const csv = readFileSync(join(dir, 'postgres-0'), 'utf8');
    assert.match(csv, /,"'=HYPERLINK\(""http:\/\/evil\.example"",""click""\) hello",callback,/, 'the formula is neutralised');
    assert.equal(csv.split('\r\n').length - 2, 12_003, 'every entry, over several pages of the cursor');

    // Standard output gets the same bytes; the trail records each export, and still verifies.
    const piped = await omv(['export', '--store', engines.cluster.url, '--query', 'hello in:lobby']);
    assert.equal(piped.stdout, readFileSync(join(dir, 'sqlite-3'), 'utf8'));
    const trail = await omv(['audit', '--store', engines.cluster.url, 'list']);
    assert.equal(trail.stdout.match(/\texport started\t/g)?.length, variants.length + 1);
    assert.equal(trail.stdout.match(/\texport\t/g)?.length, variants.length + 1);
    assert.match((await omv(['audit', '--store', engines.cluster.url, 'verify'])).stdout, /^audit chain intact: \d+ rows\n$/);

    // `omv export --store … | head -1`: the reader leaves after the first rows; the export stops quietly, as on SQLite.
    const child = spawn(process.execPath, [CLI, 'export', '--store', engines.cluster.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.once('data', () => child.stdout.destroy());
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 141, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error|\n\s+at /);

    // The review's columns and pseudonyms alike too: a tag, two notes and a review mark on the same entries, the same salt, in both stores.
    const entry = (content: string) => `(SELECT min(id) FROM entries WHERE content = '${content}')`;
    const review = [
      "INSERT INTO settings (key, value) VALUES ('pseudonym_salt', '00112233445566778899aabbccddeeff')",
      "INSERT INTO tags (id, name, colour, hold, builtin, created_at) VALUES (50, 'Zeta', '#000000', 0, 0, 1), (51, 'alpha', '#000000', 0, 0, 1)",
      `INSERT INTO tag_links (tag_id, target, target_id, at, moderator) VALUES (50, 'entry', ${entry('line 0 bye')}, 1, 'maya'), (51, 'entry', ${entry('line 0 bye')}, 1, 'maya')`,
      `INSERT INTO notes (target, target_id, text, moderator, at) VALUES ('entry', ${entry('line 0 bye')}, 'second, "said"', 'maya', 2),
         ('entry', ${entry('line 0 bye')}, 'first', 'maya', 1), ('entry', ${entry('line 1 hello')}, '=1+1', 'maya', 1)`,
      `INSERT INTO room_reviews (room_id, reviewed_to, moderator, at) SELECT room_id, ts, 'maya', 1 FROM entries WHERE id = ${entry('line 1 hello')}`,
    ];
    const sqliteDb = openDatabase(engines.sqlitePath);
    for (const sql of review) {
      sqliteDb.exec(sql);
      await query(engines.cluster.url, sql);
    }
    sqliteDb.close();
    for (const [n, flags] of [
      ['--with-review'],
      ['--pseudonymous'],
      ['--with-review', '--pseudonymous', '--format', 'jsonl', '--query', 'in:kitchen'],
    ].entries()) {
      const onFile = join(dir, `sqlite-review-${n}`);
      const onPostgres = join(dir, `postgres-review-${n}`);
      const a = await omv(['export', '--db', engines.sqlitePath, '--out', onFile, ...flags]);
      const b = await omv(['export', '--store', engines.cluster.url, '--out', onPostgres, ...flags]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.ok(readFileSync(onPostgres).equals(readFileSync(onFile)), `omv export ${flags.join(' ')}: the bytes differ`);
    }
    const reviewed = readFileSync(join(dir, 'postgres-review-0'), 'utf8');
    assert.match(reviewed, /,alpha;Zeta,"first \| second, ""said""",reviewed\r\n/);
    assert.match(reviewed, /,,'=1\+1,reviewed\r\n/);
    assert.match(reviewed, /,,,unreviewed\r\n/);
    assert.doesNotMatch(readFileSync(join(dir, 'postgres-review-1'), 'utf8'), /,u[0-9],/);
  },
);
