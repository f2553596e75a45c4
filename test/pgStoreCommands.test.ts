// omv check, omv audit and omv backup on a PostgreSQL store, through the built CLI: the same
// answers as on a SQLite file, and each able to say what is wrong when something is.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { openPgEngine } from '../main/store/pg/engine.js';
import { omv } from './support/cli.js';
import { delivery } from './support/engines.js';
import { messagesXml } from './support/payloads.js';
import { postgresSkipReason, query, startPostgres } from './support/postgres.js';
import { tempDir } from './support/tmp.js';

const skip = postgresSkipReason();

const day = Date.UTC(2025, 6, 1);

async function storeWithData(url: string): Promise<void> {
  const engine = await openPgEngine(url);
  try {
    const { meta, parsed } = delivery(
      messagesXml({
        lobby: [
          { ts: day + 1, user: 'u1', content: 'the café opens at nine' },
          { ts: day + 2, user: 'u2', content: 'Grüße aus Köln' },
        ],
        kitchen: [{ ts: day + 3_000_000_000, user: 'u1', content: 'a month later' }],
      }),
    );
    await engine.writes.receive(meta, parsed);
    await engine.writes.appendAudit('note', 'maya', { text: 'first look' });
    await engine.writes.appendAudit('tagged', 'maya', { tag: 'evidence', ids: [1] });
  } finally {
    await engine.close();
  }
}

test(
  'omv check --store postgres://… finds the database whole, then names an entry whose full-text columns were changed and a room whose count is wrong',
  { skip },
  async () => {
    const cluster = await startPostgres();
    await storeWithData(cluster.url);
    const whole = await omv(['check', '--store', cluster.url]);
    assert.equal(whole.code, 0, whole.stdout + whole.stderr);
    assert.match(
      whole.stdout,
      /full-text columns against the entries: ok\nroom entry counts: ok\nhourly activity: ok\nmonth partitions: ok\nmaking new months: ok\naudit chain: ok\ndatabase ok \(checked in [\d.]+ s\)\n$/,
    );
    await query(cluster.url, "UPDATE entries SET words = ' the cafe opens at ten ' WHERE content = 'the café opens at nine'");
    await query(cluster.url, "UPDATE rooms SET entry_count = entry_count + 1 WHERE name = 'kitchen'");
    const damaged = await omv(['check', '--store', cluster.url]);
    assert.equal(damaged.code, 1);
    assert.match(
      damaged.stdout,
      /full-text columns against the entries: 1 problem\n {2}entry 1: its full-text columns are not what its content makes\n/,
    );
    assert.match(damaged.stdout, /room entry counts: 1 problem\n {2}#kitchen: 2 kept, 1 entries\n/);
    assert.match(
      damaged.stdout,
      /database damaged\. Full-text columns named above are made again by omv check --repair --store …; for anything else, restore the latest omv backup --store …/,
    );
    assert.doesNotMatch(damaged.stdout, /file/, 'a PostgreSQL store has no file to set aside');
  },
);

test(
  'omv audit verify/anchor/list --store postgres://… (and $OMV_STORE): intact, an anchor held, a changed row named',
  { skip },
  async () => {
    const cluster = await startPostgres();
    await storeWithData(cluster.url);
    const env = { OMV_STORE: cluster.url };
    const anchor = (await omv(['audit', 'anchor'], { env })).stdout.trim();
    assert.match(anchor, /^2:[0-9a-f]{64}$/);
    const list = await omv(['audit', 'list'], { env });
    assert.match(list.stdout, /^1\t\S+\tmaya\tnote\t\{"text":"first look"\}\n2\t\S+\tmaya\ttagged\t/);
    const verified = await omv(['audit', 'verify', '--anchor', anchor], { env });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /^audit chain intact: 2 rows\nanchors: 1 held/);

    await query(cluster.url, `UPDATE audit_log SET details = '{"text":"nothing to see"}' WHERE id = 1`);
    const broken = await omv(['audit', 'verify', '--store', cluster.url]);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^audit chain broken at row 1: /);
  },
);

test(
  'omv backup --store postgres://… writes a pg_dump that restores into a database whose trail verifies, and records itself',
  { skip },
  async () => {
    const cluster = await startPostgres();
    await storeWithData(cluster.url);
    const file = join(tempDir(), 'team.dump');
    const withPassword = cluster.url.replace('postgres@', 'postgres:not-on-the-command-line@');
    const backup = await omv(['backup', '--store', withPassword, file, '--as', 'ops']);
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    assert.match(
      backup.stdout,
      /^omv: backed up postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/omv with pg_dump to .*team\.dump \([\d.]+ MB\) in [\d.]+ s; pg_restore reads it whole/,
    );
    assert.doesNotMatch(backup.stdout + backup.stderr, /not-on-the-command-line/);
    const [last] = await query(cluster.url, 'SELECT action, moderator FROM audit_log ORDER BY id DESC LIMIT 1');
    assert.deepEqual(last, { action: 'backup', moderator: 'ops' });
    assert.equal((await omv(['backup', '--store', cluster.url, file])).code, 2, 'an existing file is never overwritten');

    cluster.run('createdb', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'restored']);
    // As an operator restores it: pg_restore run by whoever holds the file, over the network.
    execFileSync(join(cluster.bin, 'pg_restore'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(cluster.port),
      '-U',
      'postgres',
      '--dbname',
      'restored',
      file,
    ]);
    const restored = cluster.url.replace(/\/omv$/, '/restored');
    assert.deepEqual(
      await query(restored, 'SELECT content FROM entries ORDER BY ts'),
      await query(cluster.url, 'SELECT content FROM entries ORDER BY ts'),
    );
    const verified = await omv(['audit', 'verify', '--store', restored]);
    assert.equal(verified.code, 0, verified.stdout);
    assert.match(verified.stdout, /^audit chain intact: 2 rows\n/, 'the dump holds the trail as it was before the backup recorded itself');
  },
);
