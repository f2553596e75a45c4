// A backup restored the way the README says (createdb --owner omv …, then pg_restore) takes new
// months' deliveries; one restored into a database another role made cannot make a new month's
// partition (its schema public is that role's), and omv check says so, with what to do, rather
// than "database ok" while every delivery of a new month is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { openPgEngine } from '../main/store/pg/engine.js';
import { omv } from './support/cli.js';
import { delivery } from './support/engines.js';
import { messagesXml } from './support/payloads.js';
import { postgresSkipReason, query, startPostgres, type PgCluster } from './support/postgres.js';
import { tempDir } from './support/tmp.js';

const skip = postgresSkipReason();

/** A delivery of one entry at `ts` into the store at `url`, as the receiver stores it. */
async function receive(url: string, ts: number): Promise<void> {
  const engine = await openPgEngine(url);
  try {
    const { meta, parsed } = delivery(messagesXml({ lobby: [{ ts, user: 'u1', content: `at ${ts}` }] }));
    await engine.writes.receive(meta, parsed);
  } finally {
    await engine.close();
  }
}

const pgArgs = (cluster: PgCluster) => ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres'];
const urlOf = (cluster: PgCluster, database: string) => cluster.url.replace('postgres@', 'omv@').replace(/\/omv$/, `/${database}`);

test(
  'a dump restored into a database another role owns is reported by omv check; restored with createdb --owner omv it takes a new month',
  { skip },
  async () => {
    const cluster = await startPostgres();
    // omv's own role, no superuser, and its database as the README's set-up makes them.
    await query(cluster.url, 'CREATE ROLE omv LOGIN');
    cluster.run('createdb', [...pgArgs(cluster), '--owner', 'omv', '--encoding', 'UTF8', '--template', 'template0', 'first']);
    await receive(urlOf(cluster, 'first'), Date.UTC(2025, 6, 1));
    const file = join(tempDir(), 'omv.dump');
    const backup = await omv(['backup', '--store', urlOf(cluster, 'first'), file]);
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    assert.match(
      backup.stdout,
      /restore, as a superuser: createdb --owner omv --encoding UTF8 --template template0 NEW && pg_restore --dbname NEW \S+omv\.dump, then REVOKE CONNECT ON DATABASE NEW FROM PUBLIC\)/,
    );

    // The old instructions: createdb NEW && pg_restore, as postgres.
    cluster.run('createdb', [...pgArgs(cluster), 'wrong']);
    execFileSync(join(cluster.bin, 'pg_restore'), [...pgArgs(cluster), '--dbname', 'wrong', file]);
    const newMonth = Date.UTC(2031, 2, 5);
    await assert.rejects(receive(urlOf(cluster, 'wrong'), newMonth), /permission denied for schema public/);
    const reported = await omv(['check', '--store', urlOf(cluster, 'wrong')]);
    assert.equal(reported.code, 1, reported.stdout + reported.stderr);
    assert.match(
      reported.stdout,
      /making new months: 1 problem\n {2}role omv cannot create tables in schema public, where a new month's partition goes, so every delivery of a month that has no partition yet is refused \(503\) until it can\. .*ALTER DATABASE wrong OWNER TO omv/,
    );
    assert.match(reported.stdout, /database whole, but omv cannot do all it must in it: do what is said above\n$/);

    // The instructions as they are now.
    cluster.run('createdb', [...pgArgs(cluster), '--owner', 'omv', '--encoding', 'UTF8', '--template', 'template0', 'right']);
    execFileSync(join(cluster.bin, 'pg_restore'), [...pgArgs(cluster), '--dbname', 'right', file]);
    const whole = await omv(['check', '--store', urlOf(cluster, 'right')]);
    assert.equal(whole.code, 0, whole.stdout + whole.stderr);
    assert.match(whole.stdout, /making new months: ok\n/);
    await receive(urlOf(cluster, 'right'), newMonth);
    assert.deepEqual(await query(urlOf(cluster, 'right'), `SELECT count(*)::int AS n FROM entries WHERE ts = ${newMonth}`), [{ n: 1 }]);
  },
);
