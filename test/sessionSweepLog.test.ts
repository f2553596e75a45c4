// A team server that loses its PostgreSQL database keeps sweeping its sessions every second; its
// log says when the sweeps start failing and when they work again, not once a second between.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pgAccountStore } from '../main/store/pg/accounts.js';
import { openPgEngine } from '../main/store/pg/engine.js';
import { Sessions } from '../main/team/sessions.js';
import { postgresSkipReason, query, startPostgres } from './support/postgres.js';

const skip = postgresSkipReason();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('sweeps that fail for a while are logged once when they start failing and once when they work again', { skip }, async () => {
  const cluster = await startPostgres();
  // omv connects as a role of its own, which the test can shut out and let in again (the database "lost" and back).
  await query(cluster.url, 'CREATE ROLE sweeper LOGIN SUPERUSER');
  const url = cluster.url.replace('postgres@', 'sweeper@');
  const engine = await openPgEngine(url);
  const sessions = new Sessions(pgAccountStore(engine.writes.writer.pool));
  const lines: string[] = [];
  try {
    sessions.watch(50, (line) => lines.push(line));
    await pause(300);
    assert.deepEqual(lines, [], 'sweeps that work say nothing');

    await query(cluster.url, 'ALTER ROLE sweeper NOLOGIN');
    await query(cluster.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'sweeper'");
    await pause(1_000); // about 20 sweeps, every one failing
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(
      lines[0]!,
      // The first failure is the session cut off, or the next one refused: which, depends on when the sweep ran.
      /^sessions: sweep failed, tried again every 50 ms \(said again once it works\): error: (role "sweeper" is not permitted to log in|terminating connection due to administrator command)/,
    );

    await query(cluster.url, 'ALTER ROLE sweeper LOGIN');
    for (const deadline = Date.now() + 10_000; lines.length < 2 && Date.now() < deadline;) await pause(50);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[1]!, /^sessions: sweep works again \(it failed \d+ times in \d+ s\)$/);
    await pause(300);
    assert.equal(lines.length, 2, 'and nothing more while it works');
  } finally {
    sessions.close();
    await engine.close();
  }
});
